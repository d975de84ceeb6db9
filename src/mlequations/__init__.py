"""mlequations: the most important equations of machine learning, correct, fast and readable."""

from mlequations._array import (
    ArrayTypeError,
    EmptyInputError,
    NonFiniteError,
    ProbabilityError,
    ShapeError,
    ValidationError,
)

__version__ = "0.1.0"

__all__ = [
    "ArrayTypeError",
    "EmptyInputError",
    "NonFiniteError",
    "ProbabilityError",
    "ShapeError",
    "ValidationError",
    "__version__",
]
