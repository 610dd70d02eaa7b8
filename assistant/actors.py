"""Who does what: the actor of an obligation, in a claim and in the paragraph it cites (rule same_actor).

The worst sentences the small model writes name the wrong actor for a verb the paragraph does use:
"Non-State actors should not use their territory ..." for norm 1.3, where States should ensure that
their territory is not used by non-State actors; "The resolution encourages the private sector ..." for
norm 1.13, where States should encourage it. Word overlap is high and the LLM judge said YES to each
(evals/data/READ_SUPPORTED.md), so this is decided by rule, before any judge.

A verb here is a modal ("should", "must", "will") or an operative verb of a resolution ("encourages",
"calls upon", "decides"). Its actor is the few words before it in its clause. A paragraph that opens
with its verb ("Decides to convene ...", "Invites all Member States ...") has the document's author as
actor, which a claim names as "the resolution", "the General Assembly", "the draft", "the report", "it".
The check speaks only where both texts use the same verb with a known actor, and the claim's actor
is not among the passage's actors of that verb; everywhere else it says nothing and the other checks
decide.

>>> other_actor("Non-State actors should not use their territory to commit wrongful acts.",
...             "States must not use proxies and should seek to ensure that their territory is not used by non-State actors.")
'"Non-State actors should", where the passage has "States must"'
>>> other_actor("The resolution encourages the private sector to play a role.",
...             "States should encourage the private sector and civil society to play an appropriate role.")
'"The resolution encourages", where the passage has "States should encourage"'
>>> other_actor("Countries should cooperate with the private sector.", "States should cooperate with the private sector.") is None
True
>>> other_actor("The General Assembly decides to convene a working group.", "Decides to convene a working group") is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.support import STOPWORDS, WORD, stem

# Operative verbs of UN resolutions and reports, and modals: the verbs whose actor a claim can get wrong.
VERB = re.compile(r"\b(should|must|shall|will|may|can(?:not)?|(?:encourag|invit|urg|request|decid|welcom|recommend|"
                  r"call(?:s|ed)? upon|calls? on|affirm|reaffirm|stress|emphasi[sz]|recogni[sz]|acknowledg|support|"
                  r"condemn|appeal)(?:e|es|s|ed)?)\b", re.I)
MODALS = frozenset("should must shall will may can".split())
# Where a clause, and so the search for its actor, begins.
CLAUSE = re.compile(r"[,;:.()“”\"]|\b(?:that|which|who|whom|whereas|yes|no|if|when|while|whether)\b", re.I)
ACTOR_WORDS = 6  # words before the verb that can name its actor ("The authorized emergency response teams")
BE = frozenset("is are was were be been being".split())
# Words that open an operative paragraph before its verb ("Further decides", "Also requests").
ADVERBS = frozenset("further also again strongly once hereby firmly".split())
# Words that make what precedes the verb something other than its actor ("According to norm 1.3, ...").
NOT_AN_ACTOR = re.compile(r"^(?:according|under|in|as|for|by|with|to|from|on|at|also|therefore|however|thus)\b", re.I)
FUNCTION_WORDS = STOPWORDS - {"resolution", "paragraph", "document", "documents", "it", "this"}
# The users' words for the documents' actors (stemmed).
SAME_ACTOR = {stem(user): stem(ours) for user, ours in (("country", "state"), ("countries", "state"),
              ("government", "state"), ("governments", "state"))}


def _words(text: str) -> frozenset[str]:
    """The words that can name an actor, stemmed as support.content_words does, the users' words mapped
    to the documents' ("countries" -> "state")."""
    stems = (stem(w) for w in WORD.findall(text.lower().replace("’", "'")) if w not in FUNCTION_WORDS)
    return frozenset(SAME_ACTOR.get(w, w) for w in stems)


# Words that name the document's author (its paragraphs' unstated actor) or the document itself.
AUTHOR = _words("resolution draft text document report general assembly united nations un it this "
                "paragraph preambular operative norm group experts first committee")


@dataclass(frozen=True)
class Actor:
    """Who does a verb in a text: its content words (stemmed, the users' words mapped), as written."""

    words: frozenset[str]
    said: str

    def same(self, other: "Actor") -> bool:
        """The same actor: both the author (AUTHOR's words only), or sharing a word that is not the author's."""
        if self.words <= AUTHOR:
            return other.words <= AUTHOR or bool(self.words & other.words)
        return bool((self.words - AUTHOR) & other.words)


def _verb(word: str) -> str:
    """One key per verb: "Encourages", "encouraged" -> "encourag"; "calls upon" -> "call upon"; "cannot" -> "can"."""
    word = word.lower()
    if word.startswith("call"):
        return "call upon"
    if word == "cannot":
        return "can"
    return word if word in MODALS else re.sub(r"(?:es|ed|e|s)$", "", word)


def actors(text: str) -> dict[str, list[Actor | None]]:
    """For each verb of `text` (by its key), its actors there: an Actor, or None where the actor is not
    known (a pronoun, an infinitive, "and should", a phrase such as "According to norm 1.3,")."""
    found: dict[str, list[Actor | None]] = {}
    previous = None
    for match in VERB.finditer(text):
        found.setdefault(_verb(match.group(1)), []).append(actor := _actor(match, text, previous))
        previous = actor
    return found


def _actor(match: re.Match, text: str, previous: Actor | None) -> Actor | None:
    """The actor of the verb `match` found in `text`; `previous`: the actor of the verb before it."""
    if passive(match, text):
        return None
    before = text[: match.start()]
    words = CLAUSE.split(before)[-1].split()[-ACTOR_WORDS:]
    if all(w.lower() in ADVERBS for w in words):
        # The clause opens with the verb: the author acts, where it opens the text or a sentence of it
        # ("Decides to convene ...", "Further decides"; a claim quoting "Calls upon all States ...").
        return Actor(AUTHOR, match.group(1)) if not before.strip() or before.rstrip()[-1:] in ".;:" else None
    if words[-1].lower() in ("and", "or"):  # "States must not use proxies ... and should seek"
        return previous
    if words[-1].lower() in ("to", "not") or NOT_AN_ACTOR.match(words[0]):
        return None
    named = _words(" ".join(words))
    return Actor(named, " ".join([*words, match.group(1)])) if named else None


def passive(match: re.Match, text: str) -> bool:
    """The verb's subject is not its actor: "are invited", "were recommended", "should be taken into account",
    or a participle ("the norms welcomed in paragraph 1")."""
    before, after = text[: match.start()].split()[-1:], text[match.end():]
    return (match.group(1).lower().endswith("ed") or bool(before) and before[0].lower() in BE
            or bool(re.match(r"\s+(?:not\s+)?be(?:en)?\s+\w+(?:ed|en)\b", after)))


def other_actor(claim: str, passage: str) -> str | None:
    """Why the claim gives one of the passage's verbs another actor than the passage does, or None."""
    theirs = actors(passage)
    for verb, claimed in actors(claim).items():
        known = [a for a in theirs.get(verb, []) if a is not None]
        for actor in claimed:
            if actor is not None and known and not any(actor.same(a) for a in known):
                return f'"{actor.said}", where the passage has "{known[0].said}"'
    return None
