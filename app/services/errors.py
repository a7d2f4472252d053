"""Domain errors raised by services; views turn them into form errors or error pages."""


class DomainError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class ValidationFailed(DomainError):
    """Bad input for one field (or the whole form when field is None).

    `problems` holds every (field, message) pair when a check found several at once.
    """

    def __init__(self, field, message, problems=None):
        super().__init__(message)
        self.field = field
        self.problems = problems or [(field, message)]


class NotPermitted(DomainError):
    pass


class ImportFailed(DomainError):
    """A file import found problems; nothing was written. `errors` lists one message per problem."""

    def __init__(self, errors):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors
