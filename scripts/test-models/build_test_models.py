#!/usr/bin/env python3
"""Builds the small random-weight Phi-3 test models and records onnxruntime-genai's reference outputs.

Phi-3's weights cannot be downloaded here, so the engine is tested on Phi-3-architecture models with random
weights and a fixed seed: a tiny `transformers.Phi3Config` saved with `save_pretrained` next to a Phi-3-format
tokenizer, turned into the onnxruntime-genai layout by onnxruntime-genai's own model builder, and exported once
in the transformers.js layout. For each model the script records what the reference runtime produces for a few
prompts (input ids, greedy output ids, the first step's logits), which the TypeScript engine must reproduce.

    build_test_models.py --llama-tokenizer-js PATH [--only NAME ...]     # test/fixtures/models/<name>/
    build_test_models.py --llama-tokenizer-js PATH --bench [--bench-layers N]  # .bench-models/ (not committed)

Run through scripts/test-models/build.sh, which makes the venv and fetches llama-tokenizer-js.
"""

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from ort_greedy import OrtGreedy
from phi3_tokenizer import PHI3_VOCAB_SIZE, TOKENIZER_FILES, write_json, write_phi3_tokenizer

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "test" / "fixtures" / "models"
BENCH_MODELS = REPO / ".bench-models"
SEED = 20240423  # Phi-3's release date; any fixed value works.
CONTEXT_LENGTH = 4096
NEW_TOKENS = 32
TOP_K_LOGITS = 50
EOS_IDS = [32000, 32001, 32007]

# Tiny sizes: the 32064 x hidden embedding and LM head dominate the file size (fp32: 128 KB per unit of
# hidden, each), so hidden is 32, two heads of 16 (head size must be a multiple of 16 for the CPU kernels).
TINY = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2)
TINY_GQA = dict(TINY, num_key_value_heads=1)
# Phi-3-mini's real width with fewer layers, for the speed benchmark.
MINI_WIDTH = dict(hidden_size=3072, intermediate_size=8192, num_attention_heads=32, num_key_value_heads=32)

# name -> (sizes, layout, precision). fp32 and int4 share one set of weights (same sizes, same seed).
TEST_MODELS = {
    "phi3-tiny-genai-fp32": (TINY, "genai", "fp32"),
    "phi3-tiny-genai-int4": (TINY, "genai", "int4"),
    "phi3-tiny-gqa-genai-int4": (TINY_GQA, "genai", "int4"),
    "phi3-tiny-transformersjs": (TINY, "transformersjs", "fp32"),
}

PROMPTS = [
    ("plain", "The quick brown fox jumps over the lazy dog. Once upon a time"),
    ("chat", "<|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nWhat is MLflow?<|end|>\n<|assistant|>\n"),
    ("non_ascii", "héllo 日本語 🙂 — naïve café, Ünïcödé ∑ and 中文字符"),
    ("long",
     "MLflow is an open source platform for managing the end-to-end machine learning lifecycle. It tracks "
     "experiments to record and compare parameters and results, packages code into reproducible runs, "
     "manages and deploys models from a variety of libraries to serving and inference platforms, and "
     "provides a central model registry to collaboratively manage the full lifecycle of a model, including "
     "versioning, stage transitions and annotations. Phi-3 is a family of small language models that run "
     "well on a laptop."),
]
MULTI_TURN = {
    "first": "<|user|>\nHello<|end|>\n<|assistant|>\n",
    # Appended after the model's first answer: close that answer, then a new user turn.
    "second": "<|end|>\n<|user|>\nTell me more.<|end|>\n<|assistant|>\n",
}
# Greedy runs under other search options (prompt id, genai search options).
SEARCH_CASES = [
    ("plain", {"repetition_penalty": 1.5}),
    ("non_ascii", {"repetition_penalty": 1.2}),
    ("chat", {"repetition_penalty": 0.8}),
]
# Tokenizer-only cases: both the engine's tokenizer and onnxruntime-genai's must give these ids.
TOKENIZER_CASES = [
    "Hello world!",
    "<|user|>\nHello<|end|>\n<|assistant|>\n",
    "<|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\n",
    "héllo 日本語 🙂",
    "  leading spaces, double  space and trailing ",
    "line one\nline two\n\ttabbed",
    "<|endoftext|>",
    "Numbers 1234567890 and symbols {}[]<>|\\/~`",
] + [text for _, text in PROMPTS]


def phi3_config(sizes):
    from transformers import Phi3Config

    return Phi3Config(
        vocab_size=PHI3_VOCAB_SIZE,
        max_position_embeddings=CONTEXT_LENGTH,
        original_max_position_embeddings=CONTEXT_LENGTH,  # equal: the builder's plain-RoPE Phi-3 path
        rope_scaling=None,
        sliding_window=None,
        rope_theta=10000.0,
        rms_norm_eps=1e-5,
        hidden_act="silu",
        bos_token_id=1,
        eos_token_id=32000,
        pad_token_id=32000,
        tie_word_embeddings=False,
        initializer_range=0.2,
        architectures=["Phi3ForCausalLM"],
        **sizes,
    )


def save_hf_checkpoint(sizes, out_dir: Path, llama_tokenizer_js: Path):
    """A random-weight Phi3ForCausalLM with its Phi-3 tokenizer, as a Hugging Face folder."""
    import torch
    from transformers import GenerationConfig, Phi3ForCausalLM

    torch.manual_seed(SEED)
    config = phi3_config(sizes)
    model = Phi3ForCausalLM(config).to(torch.float32).eval()
    with torch.no_grad():
        # A wider LM head spreads the logits (std ~ 0.5 * sqrt(hidden)), so greedy choices are not near-ties
        # that float rounding differences between runtimes could flip.
        model.lm_head.weight.normal_(0.0, 0.5)
    model.save_pretrained(out_dir, safe_serialization=True)
    GenerationConfig(bos_token_id=1, eos_token_id=[32000, 32001, 32007], pad_token_id=32000,
                     do_sample=False).save_pretrained(out_dir)
    write_phi3_tokenizer(out_dir, llama_tokenizer_js, CONTEXT_LENGTH)


def run_genai_builder(hf_dir: Path, out_dir: Path, precision: str, cache_dir: Path):
    if out_dir.exists():
        shutil.rmtree(out_dir)
    cmd = [sys.executable, "-m", "onnxruntime_genai.models.builder", "-i", str(hf_dir), "-o", str(out_dir),
           "-p", precision, "-e", "cpu", "-c", str(cache_dir)]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    # The builder re-saves the tokenizer through transformers, which rewrites it in transformers' own
    # format; put back the Phi-3-format files so every model carries the same tokenizer a real one does.
    for name in TOKENIZER_FILES:
        shutil.copyfile(hf_dir / name, out_dir / name)
    for stray in ["chat_template.jinja", "tokenizer.model"]:
        (out_dir / stray).unlink(missing_ok=True)
    shutil.copyfile(hf_dir / "config.json", out_dir / "config.json")
    drop_build_stamp(out_dir / "model.onnx")


def drop_build_stamp(onnx_path: Path):
    """The builder stamps a per-run hash into producer_version; drop it so rebuilds are byte-identical."""
    import onnx

    model = onnx.load(str(onnx_path), load_external_data=False)
    model.producer_version = model.producer_version.split("+")[0]
    onnx.save_model(model, str(onnx_path))


def top_logits(row: np.ndarray):
    order = np.argsort(-row, kind="stable")[:TOP_K_LOGITS]
    return {"ids": [int(i) for i in order], "values": [float(row[i]) for i in order]}


def write_logits_bin(path: Path, row: np.ndarray):
    path.write_bytes(np.ascontiguousarray(row, dtype="<f4").tobytes())


def genai_greedy(model, tokenizer, prompt_ids, new_tokens, **search_options):
    """Greedy generation with og.Generator; returns generated ids, first-step logits row, per-step margins."""
    import onnxruntime_genai as og

    params = og.GeneratorParams(model)
    params.set_search_options(do_sample=False, max_length=len(prompt_ids) + new_tokens, **search_options)
    generator = og.Generator(model, params)
    generator.append_tokens(np.asarray(prompt_ids, dtype=np.int32))
    first_logits = None
    margins = []
    generated = []
    while not generator.is_done():
        logits = np.asarray(generator.get_logits(), dtype=np.float32).reshape(-1)[-PHI3_VOCAB_SIZE:]
        if first_logits is None:
            first_logits = logits.copy()
        top2 = np.sort(logits)[-2:]
        margins.append(float(top2[1] - top2[0]))
        generator.generate_next_token()
        generated.append(int(generator.get_next_tokens()[0]))
    return generated, first_logits, margins


GENAI_APPEND_NOTE = (
    "onnxruntime-genai 0.18's append_tokens after generate_next_token never runs the last generated token "
    "through the model: its KV-cache slot stays zero while the attention mask counts it (reproduced exactly by "
    "feeding a zero K/V slot to the graph in onnxruntime). genai_second_* are what genai produces that way; "
    "second_* are the correct continuation (the pending token fed together with the appended turn), recorded "
    "with onnxruntime on the same graph and equal to a fresh genai generator over the whole history."
)


def genai_multi_turn(model, tokenizer, ort_greedy, new_tokens):
    """Two chat turns: the second user turn is appended to the cache after the first answer."""
    import onnxruntime_genai as og

    first_ids = [int(i) for i in tokenizer.encode(MULTI_TURN["first"])]
    second_ids = [int(i) for i in tokenizer.encode(MULTI_TURN["second"])]
    max_length = len(first_ids) + len(second_ids) + 2 * new_tokens
    params = og.GeneratorParams(model)
    params.set_search_options(do_sample=False, max_length=max_length)
    generator = og.Generator(model, params)
    generator.append_tokens(np.asarray(first_ids, dtype=np.int32))
    first_answer = []
    while len(first_answer) < new_tokens and not generator.is_done():
        generator.generate_next_token()
        first_answer.append(int(generator.get_next_tokens()[0]))
    if generator.is_done():
        raise SystemExit("multi-turn: the first answer ended on an eos id; choose another seed or prompt")
    generator.append_tokens(np.asarray(second_ids, dtype=np.int32))
    genai_second_logits = np.asarray(generator.get_logits(), dtype=np.float32).reshape(-1)[-PHI3_VOCAB_SIZE:]
    genai_second_answer = []
    while not generator.is_done():
        generator.generate_next_token()
        genai_second_answer.append(int(generator.get_next_tokens()[0]))

    # The correct continuation: the cache holds every token of the history.
    eos_ids = set(EOS_IDS)
    ort_greedy.reset()
    ort_first, _, _ = ort_greedy.greedy(first_ids, new_tokens, eos_ids)
    if ort_first != first_answer:
        raise SystemExit(f"multi-turn: onnxruntime's first answer {ort_first} != genai's {first_answer}")
    second_answer, second_logits, _ = ort_greedy.greedy([first_answer[-1]] + second_ids, new_tokens, eos_ids)
    history = first_ids + first_answer + second_ids
    recomputed, _, _ = genai_greedy(model, tokenizer, history, len(second_answer))
    if recomputed != second_answer:
        raise SystemExit(f"multi-turn: cache append {second_answer} != genai over the whole history {recomputed}")
    return {
        "first_text": MULTI_TURN["first"],
        "first_input_ids": first_ids,
        "first_output_ids": first_answer,
        "second_text": MULTI_TURN["second"],
        "second_input_ids": second_ids,
        "second_output_ids": second_answer,
        "second_logits_top": top_logits(second_logits),
        "max_length": max_length,
        "sequence": history + second_answer,
        "genai_second_output_ids": genai_second_answer,
        "genai_second_logits_top": top_logits(genai_second_logits),
        "note": GENAI_APPEND_NOTE,
    }


def search_case(model, tokenizer, prompt_id, options):
    """Greedy under other search options: still deterministic, so the engine must give the same ids."""
    text = dict(PROMPTS)[prompt_id]
    ids = [int(i) for i in tokenizer.encode(text)]
    output, _, _ = genai_greedy(model, tokenizer, ids, NEW_TOKENS, **options)
    return {"prompt": prompt_id, "input_ids": ids, "search": dict(options, do_sample=False),
            "max_length": len(ids) + NEW_TOKENS, "output_ids": output}


def ort_greedy_for(model_dir: Path):
    decoder = json.loads((model_dir / "genai_config.json").read_text())["model"]["decoder"]
    return OrtGreedy(model_dir / decoder["filename"], decoder["num_hidden_layers"], decoder["num_key_value_heads"],
                     decoder["head_size"])


def tokenizer_case(tokenizer, text):
    ids = tokenizer.encode(text)
    return {"text": text, "ids": [int(i) for i in ids], "genai_decoded": tokenizer.decode(ids)}


def record_genai_reference(model_dir: Path, name: str):
    import onnxruntime_genai as og

    model = og.Model(str(model_dir))
    tokenizer = og.Tokenizer(model)
    ort_greedy = ort_greedy_for(model_dir)
    prompts = []
    for prompt_id, text in PROMPTS:
        ids = [int(i) for i in tokenizer.encode(text)]
        output, first_logits, margins = genai_greedy(model, tokenizer, ids, NEW_TOKENS)
        ort_greedy.reset()
        ort_output, ort_first_logits, _ = ort_greedy.greedy(ids, NEW_TOKENS, set(EOS_IDS))
        if ort_output != output:
            raise SystemExit(f"{name}/{prompt_id}: onnxruntime on the graph {ort_output} != genai {output}")
        ort_diff = float(np.max(np.abs(ort_first_logits - first_logits)))
        logits_file = f"reference-logits-{prompt_id}.bin"
        write_logits_bin(model_dir / logits_file, first_logits)
        prompts.append({
            "id": prompt_id,
            "text": text,
            "input_ids": ids,
            "max_length": len(ids) + NEW_TOKENS,
            "output_ids": output,
            "output_text": tokenizer.decode(np.asarray(output, dtype=np.int32)),
            "first_logits_file": logits_file,
            "first_logits_top": top_logits(first_logits),
            "first_logits_max_abs_diff_vs_onnxruntime": ort_diff,
            "step_top2_margins": margins,
        })
    reference = {
        "model": name,
        "runtime": f"onnxruntime-genai {og.__version__}",
        "search": {"do_sample": False, "new_tokens": NEW_TOKENS},
        "logits_format": "first step (after the prompt), last position, full vocabulary row of "
                         f"{PHI3_VOCAB_SIZE} little-endian float32",
        "prompts": prompts,
        "multi_turn": genai_multi_turn(model, tokenizer, ort_greedy, NEW_TOKENS),
        "search_cases": [search_case(model, tokenizer, prompt_id, options) for prompt_id, options in SEARCH_CASES],
        # genai_decoded is what og.Tokenizer.decode gives back: it keeps the leading space of the first `▁`
        # (the tokenizer.json decoder's Strip step, which transformers.js applies, is not applied there).
        "tokenizer_cases": [tokenizer_case(tokenizer, t) for t in TOKENIZER_CASES],
    }
    write_json(model_dir / "reference.json", reference)
    print(f"{name}: reference.json written", flush=True)


def check_tokenizer_agreement(model_dir: Path):
    """onnxruntime-genai's tokenizer and Hugging Face's tokenizers library must give the same ids."""
    import onnxruntime_genai as og
    from tokenizers import Tokenizer

    og_tokenizer = og.Tokenizer(og.Model(str(model_dir)))
    hf_tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    for text in TOKENIZER_CASES + list(MULTI_TURN.values()):
        og_ids = [int(i) for i in og_tokenizer.encode(text)]
        hf_ids = hf_tokenizer.encode(text).ids
        if og_ids != hf_ids:
            raise SystemExit(f"tokenizers disagree on {text!r}: onnxruntime-genai {og_ids}, tokenizers {hf_ids}")


def build_genai(name, sizes, precision, work: Path, llama_tokenizer_js: Path, out_root: Path, record=True):
    hf_dir = fresh_hf_checkpoint(sizes, work, llama_tokenizer_js)
    out_dir = out_root / name
    run_genai_builder(hf_dir, out_dir, precision, work / "builder-cache")
    if record:
        check_tokenizer_agreement(out_dir)
        record_genai_reference(out_dir, name)
    return out_dir


def fresh_hf_checkpoint(sizes, work: Path, llama_tokenizer_js: Path):
    """Saved anew on every run (it takes a second), so a changed script never reuses stale weights."""
    hf_dir = work / f"hf-{sizes_key(sizes)}"
    if hf_dir.exists():
        shutil.rmtree(hf_dir)
    save_hf_checkpoint(sizes, hf_dir, llama_tokenizer_js)
    return hf_dir


def sizes_key(sizes):
    return "-".join(f"{k.split('_')[1] if '_' in k else k}{v}" for k, v in sorted(sizes.items()))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--llama-tokenizer-js", type=Path, required=True,
                        help="llama-tokenizer.js from the npm package llama-tokenizer-js (Llama-2 vocabulary)")
    parser.add_argument("--only", nargs="*", choices=sorted(TEST_MODELS), help="build only these test models")
    parser.add_argument("--work-dir", type=Path, default=REPO / ".venv-models" / "build-work")
    parser.add_argument("--bench", action="store_true", help="build the Phi-3-mini-width benchmark models instead")
    parser.add_argument("--bench-layers", type=int, default=4)
    parser.add_argument("--bench-skip-transformersjs", action="store_true",
                        help="with --bench: build only the genai int4 folder")
    args = parser.parse_args()
    args.work_dir.mkdir(parents=True, exist_ok=True)

    if args.bench:
        from bench_models import build_bench_models

        build_bench_models(args, MINI_WIDTH, BENCH_MODELS)
        return

    FIXTURES.mkdir(parents=True, exist_ok=True)
    for name in args.only or list(TEST_MODELS):
        sizes, layout, precision = TEST_MODELS[name]
        if layout == "genai":
            build_genai(name, sizes, precision, args.work_dir, args.llama_tokenizer_js, FIXTURES)
        else:
            from transformersjs_export import build_transformersjs

            hf_dir = fresh_hf_checkpoint(sizes, args.work_dir, args.llama_tokenizer_js)
            build_transformersjs(hf_dir, FIXTURES / name, name, PROMPTS, NEW_TOKENS, TOKENIZER_CASES)


if __name__ == "__main__":
    main()
