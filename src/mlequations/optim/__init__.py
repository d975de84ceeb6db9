r"""Layer 3: optimizers and learning-rate schedulers, named as in :mod:`torch.optim`.

An optimizer updates, in place, the parameters it was given (tensors with
``requires_grad=True``) from their ``.grad``:

>>> from mlequations.autodiff import Tensor
>>> from mlequations.optim import SGD
>>> theta = Tensor([2.0], requires_grad=True)
>>> optimizer = SGD([theta], lr=0.25)
>>> (theta**2).sum().backward()
>>> optimizer.step()
>>> theta.data
array([1.])

* :class:`SGD`: gradient descent with momentum, Nesterov momentum and weight decay;
* :class:`Adam`: adaptive moment estimation, with AMSGrad;
* :mod:`mlequations.optim.lr_scheduler`: :class:`~lr_scheduler.LambdaLR`,
  :class:`~lr_scheduler.StepLR`, and :class:`~lr_scheduler.ScheduleLR` /
  :class:`~lr_scheduler.PolynomialDecayLR` on the schedules of
  :mod:`mlequations.schedules`.
"""

from mlequations.optim import lr_scheduler
from mlequations.optim.adam import Adam
from mlequations.optim.optimizer import Optimizer
from mlequations.optim.sgd import SGD

__all__ = ["SGD", "Adam", "Optimizer", "lr_scheduler"]
