"""mlequations: the most important equations of machine learning, correct, fast and readable.

Every equation is a pure function over NumPy or any array-API array (PyTorch,
CuPy, JAX, Dask, array-api-strict) and returns the caller's array kind. The
functions live in one module per topic and are all re-exported here::

    >>> import mlequations as me
    >>> round(float(me.entropy([0.5, 0.5])), 4)
    0.6931

The catalog of every equation (explanations in English and Chinese, worked
examples, independent references) is :mod:`mlequations.catalog`; the command
line is ``mlequations``.
"""

from mlequations._array import (
    ArrayTypeError,
    EmptyInputError,
    NonFiniteError,
    ProbabilityError,
    ShapeError,
    ValidationError,
)
from mlequations.acquisition import (  # Acquisition functions of Bayesian optimization
    ValueAndGradient,
    expected_improvement,
    log_expected_improvement,
    log_probability_of_improvement,
    lower_confidence_bound,
    probability_of_improvement,
    upper_confidence_bound,
)
from mlequations.activation_derivatives import (  # Their derivatives
    gelu_derivative,
    leaky_relu_derivative,
    log_softmax_jacobian,
    relu_derivative,
    sigmoid_derivative,
    silu_derivative,
    softmax_jacobian,
    swish_derivative,
    tanh_derivative,
)
from mlequations.activations import (  # Activations
    ACTIVATIONS,
    gelu,
    leaky_relu,
    log_softmax,
    neuron,
    relu,
    sigmoid,
    silu,
    softmax,
    swish,
    tanh,
)
from mlequations.attention import (  # Attention
    attention_weights,
    multi_head_attention,
    scaled_dot_product_attention,
)
from mlequations.calculus import (  # Numerical derivatives and convexity
    hessian_is_positive_semidefinite,
    is_convex,
    numerical_gradient,
    numerical_hessian,
)
from mlequations.convolution import (  # Convolution
    continuous_convolution,
    conv2d,
    convolve,
    im2col,
    max_pool2d,
)
from mlequations.decompositions import (  # Matrix decompositions
    EigResult,
    PCAResult,
    SVDResult,
    eig,
    low_rank_approximation,
    pca,
    svd,
)
from mlequations.diffusion import (  # The forward diffusion process
    alphas_cumprod,
    cosine_beta_schedule,
    linear_beta_schedule,
    predict_x0_from_noise,
    q_posterior_mean_variance,
    q_sample,
)
from mlequations.distances import energy_distance  # Distances between samples
from mlequations.distributions import (  # Distributions
    bernoulli_pmf,
    categorical_pmf,
    gaussian_log_pdf,
    gaussian_pdf,
    one_hot,
)
from mlequations.divergences import (  # Comparing distributions
    cross_entropy,
    gaussian_kl_divergence,
    kl_divergence,
)
from mlequations.inference import (  # Inference with a known joint distribution
    log_loss,
    optimal_hard_predictor,
    optimal_soft_predictor,
    population_log_loss,
    population_loss,
)
from mlequations.information import (  # Information theory
    binary_entropy,
    conditional_entropy,
    entropy,
    information_gain,
    joint_entropy,
    mutual_information,
)
from mlequations.linalg import (  # Linear algebra
    inner_product,
    linear_transform,
    norm,
    normalize,
)
from mlequations.losses import (  # Losses
    binary_cross_entropy,
    categorical_cross_entropy,
    mae,
    mean_absolute_error,
    mean_squared_error,
    mse,
)
from mlequations.margin_losses import (  # Margin losses of binary classification
    classification_margin,
    detection_error_loss,
    exponential_loss,
    hinge_at_zero_loss,
    hinge_loss,
    logistic_loss,
    quadratic_loss,
    zero_one_loss,
)
from mlequations.moments import (  # Moments
    correlation,
    covariance,
    expectation,
    expectation_continuous,
)
from mlequations.optimize import (  # Optimisers
    DivergenceError,
    OptimizationResult,
    gradient_descent,
    stochastic_gradient_descent,
)
from mlequations.probability import (  # Bayes' rule and probability tables
    bayes_posterior,
    bayes_theorem,
    chain_rule,
    conditional,
    is_independent,
    marginal,
    total_probability,
)
from mlequations.schedules import (  # Learning-rate schedules
    ConstantSchedule,
    InversePowerSchedule,
    PolynomialDecaySchedule,
    constant,
    inverse_power,
    polynomial_decay,
)
from mlequations.symbolic import (  # Symbolic derivatives
    SymbolicDerivative,
    symbolic_gradient,
    symbolic_hessian,
)
from mlequations.transformer import transformer_encoder_layer  # The transformer block
from mlequations.updates import (  # Update rules
    AdamStep,
    MomentumStep,
    adam_step,
    gradient_descent_step,
    momentum_step,
    perceptron_update,
    polynomial_decay_rate,
    stochastic_gradient_step,
)

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "AdamStep",
    "ArrayTypeError",
    "ConstantSchedule",
    "DivergenceError",
    "EigResult",
    "EmptyInputError",
    "InversePowerSchedule",
    "MomentumStep",
    "NonFiniteError",
    "OptimizationResult",
    "PCAResult",
    "PolynomialDecaySchedule",
    "ProbabilityError",
    "SVDResult",
    "ShapeError",
    "SymbolicDerivative",
    "ValidationError",
    "ValueAndGradient",
    "__version__",
    "adam_step",
    "alphas_cumprod",
    "attention_weights",
    "bayes_posterior",
    "bayes_theorem",
    "bernoulli_pmf",
    "binary_cross_entropy",
    "binary_entropy",
    "categorical_cross_entropy",
    "categorical_pmf",
    "chain_rule",
    "classification_margin",
    "conditional",
    "conditional_entropy",
    "constant",
    "continuous_convolution",
    "conv2d",
    "convolve",
    "correlation",
    "cosine_beta_schedule",
    "covariance",
    "cross_entropy",
    "detection_error_loss",
    "eig",
    "energy_distance",
    "entropy",
    "expectation",
    "expectation_continuous",
    "expected_improvement",
    "exponential_loss",
    "gaussian_kl_divergence",
    "gaussian_log_pdf",
    "gaussian_pdf",
    "gelu",
    "gelu_derivative",
    "gradient_descent",
    "gradient_descent_step",
    "hessian_is_positive_semidefinite",
    "hinge_at_zero_loss",
    "hinge_loss",
    "im2col",
    "information_gain",
    "inner_product",
    "inverse_power",
    "is_convex",
    "is_independent",
    "joint_entropy",
    "kl_divergence",
    "leaky_relu",
    "leaky_relu_derivative",
    "linear_beta_schedule",
    "linear_transform",
    "log_expected_improvement",
    "log_loss",
    "log_probability_of_improvement",
    "log_softmax",
    "log_softmax_jacobian",
    "logistic_loss",
    "low_rank_approximation",
    "lower_confidence_bound",
    "mae",
    "marginal",
    "max_pool2d",
    "mean_absolute_error",
    "mean_squared_error",
    "momentum_step",
    "mse",
    "multi_head_attention",
    "mutual_information",
    "neuron",
    "norm",
    "normalize",
    "numerical_gradient",
    "numerical_hessian",
    "one_hot",
    "optimal_hard_predictor",
    "optimal_soft_predictor",
    "pca",
    "perceptron_update",
    "polynomial_decay",
    "polynomial_decay_rate",
    "population_log_loss",
    "population_loss",
    "predict_x0_from_noise",
    "probability_of_improvement",
    "q_posterior_mean_variance",
    "q_sample",
    "quadratic_loss",
    "relu",
    "relu_derivative",
    "scaled_dot_product_attention",
    "sigmoid",
    "sigmoid_derivative",
    "silu",
    "silu_derivative",
    "softmax",
    "softmax_jacobian",
    "stochastic_gradient_descent",
    "stochastic_gradient_step",
    "svd",
    "swish",
    "swish_derivative",
    "symbolic_gradient",
    "symbolic_hessian",
    "tanh",
    "tanh_derivative",
    "total_probability",
    "transformer_encoder_layer",
    "upper_confidence_bound",
    "zero_one_loss",
]
