"""Layer 4: the classic models of the guides as scikit-learn estimators."""
