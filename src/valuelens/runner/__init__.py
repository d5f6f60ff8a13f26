"""Ask what the store does not answer: one invocation path from backend to finished run, and answer parsing."""
