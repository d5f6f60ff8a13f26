"""Value relevance and valence questions about one action of a scenario (after Value Kaleidoscope).

The scenario and the action come first and the value last, so the 96 questions about one action
share everything up to the value: an engine that reuses a cached prefix computes it once.
"""

from __future__ import annotations

from typing import Literal

from valuelens.prompts._dilemma import ANSWER_CUE
from valuelens.prompts._prompt import Prompt

YES_NO = ("Yes", "No")
"""Labels of both questions; labels[0] ("Yes") means relevant, or supported."""
Question = Literal["relevance", "valence"]
QUESTIONS: dict[str, str] = {
    "relevance": "Is the following value relevant to this action in this situation? Answer Yes or No.",
    "valence": "Does this action support the following value (Yes) or go against it (No)? Answer Yes or No.",
}


def relevance_prompt(
    scenario_id: str,
    situation: str,
    question: str | None,
    action: str,
    action_text: str,
    value: str,
    definition: str,
    ask: Question = "relevance",
) -> Prompt:
    """One yes/no question about a value and one action of a scenario.

    Args:
        scenario_id, action, value: identify the question ("a" or "b" for the action) in the annotations;
            the model sees only the value name.
        situation, question, action_text: the scenario as the user wrote it (question may be None).
        definition: the lexicon definition of the value.
        ask: "relevance" (P(Yes) = P(relevant)) or "valence" (P(Yes) = P(the action supports the value)).
    """
    head = f"Situation: {situation}\n" + (f"Question: {question}\n" if question else "")
    user = f"{head}Action: {action_text}\n\n{QUESTIONS[ask]}\nValue: {value}: {definition}"
    annotations: dict[str, object] = {
        "kind": "relevance",
        "question": ask,
        "scenario_id": scenario_id,
        "action": action,
        "value": value,
    }
    return Prompt(system=None, user=user, text=f"{user}\n\n{ANSWER_CUE}", labels=YES_NO, annotations=annotations)
