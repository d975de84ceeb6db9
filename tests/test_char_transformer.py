"""The character transformer against a PyTorch twin with the same weights; causality; sampling."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import require
from mlequations import nn
from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations.autodiff import Tensor
from mlequations.nn.char_transformer import next_token_probabilities, token_position_embedding

TEXT = "the quick brown fox jumps over the lazy dog. THE END!\n"


def build(dtype="float64", norm_first=True, tie_weights=True, activation="gelu", seed=0):
    nn.manual_seed(seed)
    vocabulary = nn.CharVocabulary.from_text(TEXT)
    return nn.CharTransformer(
        vocabulary,
        context_length=12,
        d_model=16,
        nhead=4,
        num_layers=2,
        dim_feedforward=24,
        activation=activation,
        norm_first=norm_first,
        tie_weights=tie_weights,
        dtype=dtype,
    )


def torch_twin(model: nn.CharTransformer):
    """The same network from torch.nn modules, with ``model``'s weights copied in."""
    torch = require("torch")

    class Twin(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            d, v = model.token_embedding.embedding_dim, len(model.vocabulary)
            block = model.layers[0]
            self.token_embedding = torch.nn.Embedding(v, d)
            self.position_embedding = torch.nn.Embedding(model.context_length, d)
            self.layers = torch.nn.ModuleList(
                torch.nn.TransformerEncoderLayer(
                    d,
                    block.self_attn.num_heads,
                    block.linear1.out_features,
                    dropout=0.0,
                    activation="gelu" if block.activation is nn.functional.gelu else "relu",
                    batch_first=True,
                    norm_first=model.norm_first,
                )
                for _ in model.layers
            )
            self.norm = torch.nn.LayerNorm(d) if model.norm_first else None
            self.head = torch.nn.Linear(d, v)
            if model.tie_weights:
                self.head.weight = self.token_embedding.weight

        def forward(self, tokens):
            length = tokens.shape[1]
            mask = torch.nn.Transformer.generate_square_subsequent_mask(length, dtype=torch.float64)
            h = self.token_embedding(tokens) + self.position_embedding.weight[:length]
            for layer in self.layers:
                h = layer(h, src_mask=mask, is_causal=True)
            return self.head(self.norm(h) if self.norm is not None else h)

    twin = Twin().double()
    state = {k: torch.from_numpy(v.copy()) for k, v in model.state_dict().items()}
    twin.load_state_dict(state)
    return twin


def tokens_and_targets(model, rng, batch=3, length=10):
    ids = rng.integers(0, len(model.vocabulary), (batch, length + 1))
    return ids[:, :-1], ids[:, 1:]


@pytest.mark.parametrize(
    ("norm_first", "tie_weights", "activation"),
    [(True, True, "gelu"), (False, False, "relu"), (True, False, "relu"), (False, True, "gelu")],
)
def test_logits_and_gradients_match_pytorch(torch, rng, norm_first, tie_weights, activation):
    model = build(norm_first=norm_first, tie_weights=tie_weights, activation=activation)
    twin = torch_twin(model)
    inputs, targets = tokens_and_targets(model, rng)
    logits = model(inputs)
    expected = twin(torch.from_numpy(inputs))
    np.testing.assert_allclose(logits.data, expected.detach().numpy(), rtol=1e-10, atol=1e-10)

    loss = model.loss(inputs, targets)
    reference = torch.nn.functional.cross_entropy(
        expected.reshape(-1, expected.shape[-1]), torch.from_numpy(targets).reshape(-1)
    )
    reference.backward()
    assert loss.item() == pytest.approx(reference.item(), rel=1e-12)
    loss.backward()
    twin_params = dict(twin.named_parameters())
    ours = dict(model.named_parameters())
    assert sorted(ours) == sorted(twin_params)
    for name, param in ours.items():
        np.testing.assert_allclose(
            param.grad, twin_params[name].grad.numpy(), rtol=1e-9, atol=1e-10, err_msg=name
        )


def test_float32_matches_pytorch(torch, rng):
    model = build(dtype="float32")
    twin = torch_twin(model).float()
    inputs, _ = tokens_and_targets(model, rng)
    logits = model(inputs)
    assert logits.dtype == np.float32
    expected = twin(torch.from_numpy(inputs)).detach().numpy()
    np.testing.assert_allclose(logits.data, expected, rtol=1e-5, atol=1e-5)


def test_changing_a_later_token_never_changes_earlier_logits(rng):
    model = build()
    tokens = rng.integers(0, len(model.vocabulary), (2, 12))
    before = model(tokens).data
    for position in (0, 5, 11):
        changed = tokens.copy()
        changed[:, position] = (changed[:, position] + 1) % len(model.vocabulary)
        after = model(changed).data
        np.testing.assert_allclose(after[:, :position], before[:, :position], rtol=0, atol=1e-13)
        assert np.abs(after[:, position:] - before[:, position:]).max() > 1e-6


def test_single_sequence_and_shorter_context():
    model = build()
    tokens = model.vocabulary.encode("the fox")
    np.testing.assert_array_equal(model(tokens).data, model(tokens[None]).data[0])
    with pytest.raises(ShapeError, match="at most 12 positions"):
        model(np.zeros((1, 13), dtype=np.int64))


def test_tying_shares_one_parameter():
    tied, untied = build(tie_weights=True), build(tie_weights=False)
    assert tied.head.weight is tied.token_embedding.weight
    assert untied.head.weight is not untied.token_embedding.weight
    tied_names = [name for name, _ in tied.named_parameters()]
    assert "head.weight" not in tied_names
    assert "head.weight" in dict(untied.named_parameters())
    count = sum(p.size for p in tied.parameters())
    assert sum(p.size for p in untied.parameters()) - count == tied.head.weight.size
    # The state dict keeps both names, as PyTorch's does, and loads back into the shared weight.
    state = tied.state_dict()
    np.testing.assert_array_equal(state["head.weight"], state["token_embedding.weight"])
    tied.load_state_dict(state)


def test_token_position_embedding_matches_indexing(torch, rng):
    weight = rng.normal(size=(7, 3))
    positions = rng.normal(size=(5, 3))
    tokens = rng.integers(0, 7, (4, 4))
    E, P = Tensor(weight, requires_grad=True), Tensor(positions, requires_grad=True)
    out = token_position_embedding(tokens, E, P)
    upstream = rng.normal(size=out.shape)
    out.backward(upstream)
    tE = torch.tensor(weight, requires_grad=True)
    tP = torch.tensor(positions, requires_grad=True)
    reference = tE[torch.from_numpy(tokens)] + tP[:4]
    reference.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(out.data, reference.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(E.grad, tE.grad.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(P.grad, tP.grad.numpy(), rtol=1e-12, atol=1e-14)
    with pytest.raises(ValidationError, match=r"tokens must lie in \[0, 6\], got 7"):
        token_position_embedding(np.array([[7]]), E, P)
    with pytest.raises(ArrayTypeError, match="2-D integer array"):
        token_position_embedding(np.array([[1.0]]), E, P)


def test_next_token_probabilities_match_pytorch(torch, rng):
    logits = rng.normal(size=11) * 3
    for temperature in (0.5, 1.0, 2.0):
        for top_k in (None, 1, 3, 11):
            scaled = torch.from_numpy(logits) / temperature
            if top_k is not None:
                kth = torch.topk(scaled, top_k).values[-1]
                scaled = scaled.masked_fill(scaled < kth, float("-inf"))
            expected = torch.softmax(scaled, dim=0).numpy()
            got = next_token_probabilities(logits, temperature, top_k)
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    assert next_token_probabilities([1.0, 3.0, 3.0], top_k=1).tolist() == [0.0, 1.0, 0.0]
    with pytest.raises(ValidationError, match="temperature must be a positive"):
        next_token_probabilities(logits, temperature=0.0)
    with pytest.raises(ValidationError, match="top_k"):
        next_token_probabilities(logits, top_k=12)


def test_top_k_one_is_greedy_decoding():
    model = build()
    prompt, tokens = "the ", list(model.vocabulary.encode("the "))
    for _ in range(6):
        logits = model(np.asarray(tokens[-model.context_length :])).data[-1]
        tokens.append(int(np.argmax(logits)))
    greedy = model.vocabulary.decode(np.asarray(tokens[4:]))
    assert model.generate(prompt, 6, top_k=1, random_state=1) == greedy
    assert model.generate(prompt, 6, temperature=5.0, top_k=1, random_state=2) == greedy


def test_sampling_draws_from_next_token_probabilities():
    model = build()
    generator = np.random.default_rng(3)
    tokens = list(model.vocabulary.encode("fox"))
    for _ in range(15):  # longer than the context: the window slides
        logits = model(np.asarray(tokens[-model.context_length :])).data[-1]
        p = next_token_probabilities(logits, 0.8, 5)
        tokens.append(int(generator.choice(len(p), p=p)))
    expected = model.vocabulary.decode(np.asarray(tokens[3:]))
    assert model.generate("fox", 15, temperature=0.8, top_k=5, random_state=3) == expected
    again = model.generate("fox", 15, temperature=0.8, top_k=5, random_state=3)
    assert again == expected
    assert set(again) <= set(model.vocabulary.characters)
    nn.manual_seed(4)
    first = model.generate("fox", 8)
    nn.manual_seed(4)
    assert model.generate("fox", 8) == first
    assert model.training
    assert model.generate("fox", 0) == ""


def test_generate_rejects_bad_arguments():
    model = build()
    with pytest.raises(ValidationError, match=r"'€' .* not in the vocabulary"):
        model.generate("€uro", 3)
    with pytest.raises(ValidationError, match="at least one character"):
        model.generate("", 3)
    with pytest.raises(ValidationError, match="temperature"):
        model.generate("the", 3, temperature=-1.0)
    with pytest.raises(ValidationError, match="top_k"):
        model.generate("the", 3, top_k=0)


def test_vocabulary_round_trip_and_errors():
    vocabulary = nn.CharVocabulary.from_text(TEXT + "日本")
    assert vocabulary.characters == "".join(sorted(set(TEXT + "日本")))
    assert vocabulary.decode(vocabulary.encode(TEXT + "日本")) == TEXT + "日本"
    assert vocabulary.encode("").shape == (0,)
    assert vocabulary.decode([]) == ""
    assert "q" in vocabulary
    assert "€" not in vocabulary
    assert vocabulary == nn.CharVocabulary(vocabulary.characters)
    with pytest.raises(ValidationError, match=r"'\?' \(U\+003F\) at position 3"):
        vocabulary.encode("the?")
    with pytest.raises(ValidationError, match=r"tokens must lie in \[0, "):
        vocabulary.decode([len(vocabulary)])
    with pytest.raises(ArrayTypeError, match="tokens must be integers"):
        vocabulary.decode([1.0])
    with pytest.raises(ValidationError, match="distinct"):
        nn.CharVocabulary(["a", "a"])
    with pytest.raises(ValidationError, match="at least one"):
        nn.CharVocabulary("")
    with pytest.raises(ArrayTypeError, match="single-character"):
        nn.CharVocabulary(["ab"])
    with pytest.raises(ArrayTypeError, match="vocabulary must be a CharVocabulary"):
        nn.CharTransformer("abc")
