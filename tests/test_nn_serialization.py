"""nn.save / nn.load_state / load_state_dict: round trips and one clear error per mistake."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from mlequations import nn
from mlequations._array import ArrayTypeError, ShapeError, ValidationError


def model(dtype="float32"):
    return nn.Sequential(nn.Linear(4, 3, dtype=dtype), nn.ReLU(), nn.LayerNorm(3, dtype=dtype))


def test_round_trip_restores_every_value_and_the_outputs(tmp_path):
    nn.manual_seed(1)
    original = model()
    path = tmp_path / "checkpoint.npz"
    nn.save(original, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.npz"]  # no temporary left
    state = nn.load_state(path)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    nn.manual_seed(2)
    restored = model()
    restored.load_state_dict(state)
    for (name, a), b in zip(
        original.state_dict().items(), restored.state_dict().values(), strict=True
    ):
        np.testing.assert_array_equal(a, b, err_msg=name)
        assert a.dtype == b.dtype == np.float32
    x = np.random.default_rng(0).normal(size=(5, 4))
    np.testing.assert_array_equal(original(x).data, restored(x).data)


def test_save_uses_the_path_as_given_and_accepts_a_state_dict(tmp_path):
    path = tmp_path / "weights.bin"
    nn.save(model().state_dict(), str(path))
    assert path.exists()
    assert not (tmp_path / "weights.bin.npz").exists()
    assert list(nn.load_state(path)) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_pytorch_weights_load_into_the_same_architecture(torch, tmp_path):
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.LayerNorm(3))
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    nn.save(state, tmp_path / "torch.npz")
    ours = model()
    ours.load_state_dict(nn.load_state(tmp_path / "torch.npz"))
    x = np.random.default_rng(1).normal(size=(2, 4)).astype(np.float32)
    expected = theirs(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(ours(x).data, expected, rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- errors


def saved(tmp_path, state):
    path = tmp_path / "state.npz"
    np.savez(path, **state)
    return nn.load_state(path)


def test_wrong_name_names_both_keys(tmp_path):
    state = dict(model().state_dict())
    state["0.wieght"] = state.pop("0.weight")
    with pytest.raises(
        ValidationError, match=r"missing key.*'0.weight'.*unexpected key.*'0.wieght'"
    ):
        model().load_state_dict(saved(tmp_path, state))


def test_missing_key(tmp_path):
    state = dict(model().state_dict())
    del state["2.bias"]
    with pytest.raises(
        ValidationError, match=r"state does not match Sequential: missing key\(s\) '2.bias'"
    ):
        model().load_state_dict(saved(tmp_path, state))


def test_unexpected_key(tmp_path):
    state = dict(model().state_dict(), **{"3.weight": np.zeros(2, np.float32)})
    with pytest.raises(ValidationError, match=r"unexpected key\(s\) '3.weight'") as error:
        model().load_state_dict(saved(tmp_path, state))
    assert "missing" not in str(error.value)


def test_wrong_shape_names_the_entry_and_copies_nothing(tmp_path):
    target = model()
    before = target.state_dict()
    state = dict(model().state_dict())
    state["0.weight"] = state["0.weight"].T.copy()
    with pytest.raises(
        ShapeError, match=r"state\['0.weight'\] must have shape \(3, 4\) .* got \(4, 3\)"
    ):
        target.load_state_dict(saved(tmp_path, state))
    for (name, a), b in zip(before.items(), target.state_dict().values(), strict=True):
        np.testing.assert_array_equal(a, b, err_msg=name)  # the valid entries were not copied


def test_wrong_dtype_names_the_entry(tmp_path):
    state = model("float64").state_dict()
    with pytest.raises(
        ArrayTypeError, match=r"state\['0.weight'\] must have dtype float32 .* got float64"
    ):
        model().load_state_dict(saved(tmp_path, state))


def test_pickled_objects_are_refused(tmp_path):
    path = tmp_path / "objects.npz"
    np.savez(path, weight=np.array([{"not": "an array"}], dtype=object))
    with pytest.raises(ValidationError, match="entry 'weight' is a pickled object array"):
        nn.load_state(path)
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps(model().state_dict()))
    with pytest.raises(ValidationError, match=r"not an .npz archive of plain arrays"):
        nn.load_state(pickled)


def test_single_array_files_and_bad_saves_are_refused(tmp_path):
    path = tmp_path / "one.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(ValidationError, match=r"must be an .npz archive"):
        nn.load_state(path)
    with pytest.raises(ArrayTypeError, match="must be a Module or a state dict"):
        nn.save([np.zeros(2)], tmp_path / "list.npz")
    with pytest.raises(ArrayTypeError, match=r"state\['w'\] must be a numeric array"):
        nn.save({"w": np.array(["text"])}, tmp_path / "text.npz")
    assert not list(tmp_path.glob("*.tmp"))
