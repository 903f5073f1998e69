"""Exports a Hugging Face Phi-3 checkpoint in the transformers.js / optimum layout and records its reference.

Layout: config.json, generation_config.json, the tokenizer files, onnx/model.onnx with inputs input_ids,
attention_mask, position_ids, past_key_values.N.key/value and outputs logits, present.N.key/value (the names
optimum gives a decoder-with-past export). optimum-onnx would be the usual exporter, but it pins
transformers<4.58 while onnxruntime-genai 0.18's builder needs transformers 5, so the graph is exported here
with torch.onnx.export (TorchScript path) under the same input and output names.

The reference is recorded by a plain greedy loop over the exported graph in onnxruntime (Python, ort_greedy.py),
the way transformers.js drives it (prefill with an empty past, then one token at a time with position_ids), and is
checked against transformers' own greedy `generate` on the PyTorch weights.
"""

import shutil
from pathlib import Path

import numpy as np

from ort_greedy import OrtGreedy
from phi3_tokenizer import PHI3_VOCAB_SIZE, TOKENIZER_FILES, write_json

OPSET = 17


class _DecoderWithPast:
    """Builds the torch.nn.Module that maps flat tensors to the model call with a DynamicCache."""

    @staticmethod
    def make(model, num_layers):
        import torch
        from transformers import DynamicCache

        class DecoderWithPast(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.model = model

            def forward(self, input_ids, attention_mask, position_ids, *past):
                cache = DynamicCache(config=model.config)
                for layer in range(num_layers):
                    cache.update(past[2 * layer], past[2 * layer + 1], layer)
                out = self.model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                                 past_key_values=cache, use_cache=True, return_dict=True)
                present = []
                for layer in range(num_layers):
                    present += [out.past_key_values.layers[layer].keys, out.past_key_values.layers[layer].values]
                return (out.logits, *present)

        return DecoderWithPast().eval()


def io_names(num_layers):
    inputs = ["input_ids", "attention_mask", "position_ids"]
    outputs = ["logits"]
    for layer in range(num_layers):
        inputs += [f"past_key_values.{layer}.key", f"past_key_values.{layer}.value"]
        outputs += [f"present.{layer}.key", f"present.{layer}.value"]
    return inputs, outputs


def export_onnx(hf_dir: Path, onnx_path: Path):
    import torch
    from transformers import Phi3ForCausalLM

    model = Phi3ForCausalLM.from_pretrained(hf_dir, dtype=torch.float32, attn_implementation="eager").eval()
    config = model.config
    layers, kv_heads = config.num_hidden_layers, config.num_key_value_heads
    head_dim = config.hidden_size // config.num_attention_heads
    wrapper = _DecoderWithPast.make(model, layers)
    past_len, seq_len = 3, 2
    example = [
        torch.tensor([[15043, 3186]], dtype=torch.int64),
        torch.ones((1, past_len + seq_len), dtype=torch.int64),
        torch.arange(past_len, past_len + seq_len, dtype=torch.int64).unsqueeze(0),
    ]
    example += [torch.randn(1, kv_heads, past_len, head_dim) for _ in range(2 * layers)]
    inputs, outputs = io_names(layers)
    dynamic_axes = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
    }
    for name in inputs[3:]:
        dynamic_axes[name] = {0: "batch_size", 2: "past_sequence_length"}
    for name in outputs[1:]:
        dynamic_axes[name] = {0: "batch_size", 2: "total_sequence_length"}
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(wrapper, tuple(example), str(onnx_path), input_names=inputs, output_names=outputs,
                          dynamic_axes=dynamic_axes, opset_version=OPSET, dynamo=False, do_constant_folding=True)
    return model


def build_transformersjs(hf_dir: Path, out_dir: Path, name, prompts, new_tokens, tokenizer_cases):
    import onnxruntime as ort
    import torch
    from tokenizers import Tokenizer

    from build_test_models import EOS_IDS, MULTI_TURN, top_logits, write_logits_bin

    if out_dir.exists():
        shutil.rmtree(out_dir)
    onnx_path = out_dir / "onnx" / "model.onnx"
    model = export_onnx(hf_dir, onnx_path)
    for stray in onnx_path.parent.glob("*.data"):
        raise SystemExit(f"unexpected external data file {stray}: the tiny model should be one .onnx file")
    for file in TOKENIZER_FILES + ["config.json", "generation_config.json"]:
        shutil.copyfile(hf_dir / file, out_dir / file)

    tokenizer = Tokenizer.from_file(str(out_dir / "tokenizer.json"))
    eos_ids = set(EOS_IDS)
    config = model.config
    decoder = OrtGreedy(onnx_path, config.num_hidden_layers, config.num_key_value_heads,
                        config.hidden_size // config.num_attention_heads)
    records = []
    for prompt_id, text in prompts:
        ids = tokenizer.encode(text).ids
        decoder.reset()
        output, first_logits, margins = decoder.greedy(ids, new_tokens, eos_ids)
        with torch.no_grad():
            torch_logits = model(torch.tensor([ids])).logits[0, -1].numpy()
            generated = model.generate(torch.tensor([ids]), attention_mask=torch.ones((1, len(ids)), dtype=torch.int64),
                                       max_new_tokens=new_tokens, do_sample=False, eos_token_id=sorted(eos_ids),
                                       pad_token_id=32000)[0, len(ids):].tolist()
        if generated != output:
            raise SystemExit(f"{name}/{prompt_id}: onnxruntime greedy {output} != transformers generate {generated}")
        max_diff = float(np.max(np.abs(torch_logits - first_logits)))
        if max_diff > 1e-3:
            raise SystemExit(f"{name}/{prompt_id}: exported graph's logits differ from PyTorch's by {max_diff}")
        logits_file = f"reference-logits-{prompt_id}.bin"
        write_logits_bin(out_dir / logits_file, first_logits)
        records.append({
            "id": prompt_id,
            "text": text,
            "input_ids": ids,
            "max_length": len(ids) + new_tokens,
            "output_ids": output,
            "output_text": tokenizer.decode(output, skip_special_tokens=True),
            "first_logits_file": logits_file,
            "first_logits_top": top_logits(first_logits),
            "first_logits_max_abs_diff_vs_pytorch": max_diff,
            "step_top2_margins": margins,
        })

    # Second chat turn appended to the cache after the first answer, several tokens at once.
    first_ids = tokenizer.encode(MULTI_TURN["first"]).ids
    second_ids = tokenizer.encode(MULTI_TURN["second"]).ids
    decoder.reset()
    first_answer, _, _ = decoder.greedy(first_ids, new_tokens, eos_ids)
    if first_answer[-1] in eos_ids:
        raise SystemExit("multi-turn: the first answer ended on an eos id")
    # The last generated token has not been fed back yet: it goes in with the appended turn, in one run.
    second_answer, second_logits, _ = decoder.greedy([first_answer[-1]] + second_ids, new_tokens, eos_ids)
    sequence = first_ids + first_answer + second_ids + second_answer
    with torch.no_grad():
        full = model.generate(torch.tensor([first_ids + first_answer + second_ids]), max_new_tokens=new_tokens,
                              do_sample=False, eos_token_id=sorted(eos_ids), pad_token_id=32000)[0].tolist()
    if full != sequence:
        raise SystemExit("multi-turn: cache-append result differs from recomputing the whole history")

    reference = {
        "model": name,
        "runtime": f"onnxruntime {ort.__version__} (Python): greedy loop over onnx/model.onnx with a growing past "
                   f"and position_ids; equal to transformers {__import__('transformers').__version__} generate",
        "search": {"do_sample": False, "new_tokens": new_tokens},
        "logits_format": "first step (after the prompt), last position, full vocabulary row of "
                         f"{PHI3_VOCAB_SIZE} little-endian float32",
        "prompts": records,
        "multi_turn": {
            "first_text": MULTI_TURN["first"],
            "first_input_ids": first_ids,
            "first_output_ids": first_answer,
            "second_text": MULTI_TURN["second"],
            "second_input_ids": second_ids,
            "second_output_ids": second_answer,
            "second_logits_top": top_logits(second_logits),
            "max_length": len(first_ids) + len(second_ids) + 2 * new_tokens,
            "sequence": sequence,
            "note": "The last token of the first answer is fed together with the appended turn, in one run.",
        },
        "tokenizer_cases": [{"text": t, "ids": tokenizer.encode(t).ids} for t in tokenizer_cases],
    }
    write_json(out_dir / "reference.json", reference)
    print(f"{name}: reference.json written", flush=True)
