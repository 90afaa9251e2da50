"""The one error type that roomtour raises for bad input.

Every message is one line that names the file (or config key) and the problem,
so that a failed Snakemake job's log ends with something a person can act on.
"""


class RoomtourError(Exception):
    """Bad input: an unreadable file, a malformed pose file, an invalid config."""

    def __init__(self, where, problem):
        self.where = str(where)
        self.problem = str(problem)
        super().__init__(f"{self.where}: {self.problem}")

    def __reduce__(self):
        # rebuilt from both parts, so an error raised in a worker process crosses back whole
        return (self.__class__, (self.where, self.problem))
