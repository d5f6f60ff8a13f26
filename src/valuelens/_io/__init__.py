"""Files in and out: output files written atomically and never over an input of the same command.

Below every layer that reads or writes files (suites, store, annotate, report, cli), above `errors` only.
"""

from valuelens._io._files import atomic_path, check_folder, check_output, note_input, write_text

__all__ = ["atomic_path", "check_folder", "check_output", "note_input", "write_text"]
