"""The answer path's rules, in one table: what each does, why it exists, and whether it is on.

A rule is a general principle that changes what the pipeline does at one stage. Each can be switched
off (`ASSISTANT_RULES_OFF=scope,restatement_quote`), and `python -m evals ablate` runs the evals with
each switched off in turn, so every rule shows its effect on held-out questions, not only on the ones
it was made for. The answer records the rule that decided it (`Answer.rule`).

Deleted on 2026-12-01 (evals/README.md, "Ablation"):
- "a yes/no refusal always quotes the closest passages", "a hesitant refusal quotes the closest
  passages", "a draft of bare labels quotes them", "the best-ranked paragraph is inserted into the
  quotes", "the closest passages are quoted only if they share a word with the question": all five
  counted a quote of the closest text as an answer, so a question the documents do not answer (a yes/no
  one always) could not be refused. Every refusal now shows the passages the model read as related
  text, never as an answer.
- "follow_up_query" (a follow-up under 10 words is searched with the previous question): no effect on
  the held-out items, a small one on the tuned; "strip_echoed_headings" (a heading copied from the
  prompt is cut from the sentence): no effect on either; "yes_no_wording" (a yes/no question asks the
  model to begin with Yes or No and then give the passage's own words): +0.018 right paragraph on the
  tuned items, one held-out item fewer with every key fact.
- "retry_quotes" (the draft of retry_hesitant_refusal asked for a passage's sentence, word for word):
  on holdout4 +1 item with every key fact in one wording and -1 in the next, each time with one more
  question whose answer is absent answered by a quote of a related paragraph (evals/README.md).

>>> [rule.name for rule in RULES][:3]
['content_request', 'instruction_only', 'header_quote']
>>> RULES_BY_NAME["relevance_gate"].stage
<Stage.ASSESS: 'assess'>
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Stage(StrEnum):
    ROUTE = "route"
    RETRIEVE = "retrieve"
    ASSESS = "assess"
    GENERATE = "generate"
    VERIFY = "verify"
    DECIDE = "decide"


@dataclass(frozen=True)
class Rule:
    name: str
    stage: Stage
    purpose: str
    origin: str  # what it was made for, so that its ablation can be read against it


RULES = (
    Rule("content_request", Stage.ROUTE,
         "refuse, before any model runs, a request for new text: an email, a speech, code, text in someone's name",
         "the small model wrote a phishing email in the UN's name on one CPU and refused on another (issue 14)"),
    Rule("instruction_only", Stage.ROUTE,
         "refuse a message that only tries to change the rules and asks no question",
         "'ignore the documents', 'print your system prompt' (issue 14)"),
    Rule("header_quote", Stage.ROUTE,
         "a question about the front matter of the one document in scope (sponsors, title, symbol) is answered by quoting its header",
         "given the header, the model wrote 'sponsored by the General Assembly' (issue 16)"),
    Rule("scope", Stage.RETRIEVE,
         "retrieve only from the documents the question is about (assistant/scope.py)",
         "answers about 'this draft' cited the adopted text's or another draft's paragraphs (issue 16)"),
    Rule("own_wording_first", Stage.RETRIEVE,
         "a retrieved paragraph whose whole wording the document asked about also holds (the resolution, unless the "
         "question is about one other document) is replaced by that document's own paragraph; the answer names where "
         "else the wording stands",
         "the adopted A/RES/73/27 excerpt's preamble, word for word the draft's, was cited for questions about the draft (issue 16)"),
    Rule("front_matter_only_when_asked", Stage.RETRIEVE,
         "front matter and bare headings are retrieved only for a question about them",
         "title words that most questions share ranked headings first (tuned items)"),
    Rule("relevance_gate", Stage.ASSESS,
         "refuse when no retrieved paragraph is close in meaning and shares the question's specific words (assistant/assess.py)",
         "unanswerable questions answered from the nearest text (tuned items)"),
    Rule("retry_hesitant_refusal", Stage.GENERATE,
         "a model refusal less likely than refusal_confidence - refusal_margin is generated again with the refusal "
         "forbidden; the new draft must pass verification and the answerability check like any other",
         "the 1.5B model refused most answerable questions in everyday words at probabilities 0.19-0.70 (issue 8)"),
    Rule("invented_terms", Stage.VERIFY,
         "a sentence that states a number, a name or a role that neither its paragraph nor the question contains is "
         "unsupported, whatever the judge says (assistant/support.py)",
         "invented dates ('15 December 2015'); an invented chair ('chaired by the Secretary-General', issue 15)"),
    Rule("same_actor", Stage.VERIFY,
         "a sentence that gives one of its paragraph's verbs ('should', 'encourages', 'decides') another actor than the "
         "paragraph does is unsupported, whatever the judge says (assistant/actors.py)",
         "'Non-State actors should not use their territory' for norm 1.3, 'The resolution encourages the private sector' "
         "for norm 1.13: the judge said yes (evals/data/READ_SUPPORTED.md, issue 15)"),
    Rule("named_source", Stage.VERIFY,
         "a sentence that names where its claim stands ('Norm 1.3 says', 'The 2013 GGE report concluded', 'Under "
         "operative paragraph 5,') is unsupported unless it cites that place (assistant/sources.py)",
         "'The 2013 GGE report concluded ...' cited to the draft's ¶1, which only welcomes the reports' norms; the judge "
         "said yes (evals/data/READ_SUPPORTED.md, issue 15)"),
    Rule("confirmed_verdict", Stage.VERIFY,
         "a 'Yes' to a yes/no question is unsupported unless its paragraphs state the numbers, ordinals and names the "
         "question asks to confirm (support.unconfirmed)",
         "'Yes, the group shall report ... at its seventy-fifth session' to a question about the seventy-fourth "
         "(held-out item h3-046, no longer held out; evals/data/READ_SUPPORTED.md, issue 15)"),
    Rule("restatement_quote", Stage.VERIFY,
         "a sentence that only restates the question is replaced by the paragraph it cites, verbatim (a yes/no verdict is kept)",
         "'Yes, it is expected to respond [¶1.8]' said nothing the question did not (tuned items)"),
    Rule("answerability_check", Stage.DECIDE,
         "an answer that the model, asked whether it gives what the question asks for, does not confirm "
         "(P(YES) below answerable_min) is refused, its passages shown as related text",
         "true, correctly cited sentences that do not answer the question (q111, q112; issue 15)"),
)
RULES_BY_NAME = {rule.name: rule for rule in RULES}


def unknown_rules(names: set[str]) -> set[str]:
    """Names given to switch off that are not rules (a typo would otherwise switch nothing off)."""
    return names - RULES_BY_NAME.keys()
