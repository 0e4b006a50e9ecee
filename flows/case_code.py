"""Case codes: eight digits plus a Damm check digit, so one typo is caught before any lookup."""

# Damm's weakly totally anti-symmetric quasigroup of order 10: it catches every single-digit
# error and every adjacent transposition, with no letters (basic keypads) and no table of weights.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

BODY_LENGTH = 8
CODE_LENGTH = BODY_LENGTH + 1


def _is_ascii_digits(text: str) -> bool:
    # str.isdigit() accepts other scripts' digits too; codes are typed on ASCII keypads.
    return text.isascii() and text.isdigit()


def check_digit(digits: str) -> str:
    """Return the Damm check digit of a string of ASCII digits."""
    if not _is_ascii_digits(digits):
        raise ValueError("check digits need ASCII digits only")
    interim = 0
    for char in digits:
        interim = _DAMM[interim][int(char)]
    return str(interim)


def make_code(digits8: str) -> str:
    """Append the check digit to eight random digits the caller drew."""
    if len(digits8) != BODY_LENGTH or not _is_ascii_digits(digits8):
        raise ValueError("a case code body is exactly eight ASCII digits")
    return digits8 + check_digit(digits8)


def is_valid(code: str) -> bool:
    """Say whether a normalised code has nine digits and a correct check digit."""
    if len(code) != CODE_LENGTH or not _is_ascii_digits(code):
        return False
    return check_digit(code) == "0"


def normalise(text: str) -> str:
    """Drop the spaces and dashes people type to group digits."""
    return "".join(char for char in text if char not in " -\t")
