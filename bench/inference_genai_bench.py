"""The reference side of bench/inference.bench.ts: onnxruntime-genai in Python on a genai model folder.

Greedy, eos suppressed (min_length = max_length) so exactly --new-tokens tokens are made, like the engine's run.
Prints one JSON object on its last stdout line:
  engine, loadMs, promptTokens, newTokens, timeToFirstTokenMs, prefillTokensPerSecond, decodeTokensPerSecond,
  peakRssMiB, tokenIds
Timing: append_tokens runs the prefill (the prompt through the model); the first generate_next_token picks
the first token from those logits, so TTFT = append_tokens + first generate_next_token. Each later
generate_next_token runs the model on one token and picks the next: decode tokens/s = (newTokens - 1) / their
total time. Prefill tokens/s = promptTokens / (time of append_tokens). A short warm-up generation runs first
(not timed) so one-off kernel set-up does not count. Peak RSS is the process's getrusage maxrss.

    .venv-models/bin/python bench/inference_genai_bench.py --model DIR (--ids-file IDS.json | --prompt-tokens N)
        [--new-tokens 64] [--threads N] [--json]
"""

import argparse
import json
import resource
import time

import numpy as np
import onnxruntime_genai as og


def cpu_seconds():
    """User plus system CPU time of this process: what the generation cost, whatever else the machine runs."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_prompt(length):
    """Deterministic ordinary-vocabulary ids, used when no --ids-file is given."""
    return [1000 + (i * 37) % 29000 for i in range(length)]


def load_model(folder, threads):
    config = og.Config(folder)
    if threads:
        config.overlay(json.dumps({"model": {"decoder": {"session_options": {
            "intra_op_num_threads": threads, "inter_op_num_threads": 1}}}}))
    return og.Model(config)


def generate(model, prompt_ids, new_tokens):
    max_length = len(prompt_ids) + new_tokens
    params = og.GeneratorParams(model)
    params.set_search_options(do_sample=False, max_length=max_length, min_length=max_length)
    generator = og.Generator(model, params)
    start = time.perf_counter()
    generator.append_tokens(np.asarray(prompt_ids, dtype=np.int32))
    prefilled = time.perf_counter()
    generator.generate_next_token()
    first = time.perf_counter()
    tokens = [int(generator.get_next_tokens()[0])]
    while not generator.is_done():
        generator.generate_next_token()
        tokens.append(int(generator.get_next_tokens()[0]))
    end = time.perf_counter()
    return tokens, start, prefilled, first, end


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="an onnxruntime-genai model folder")
    parser.add_argument("--ids-file", help="JSON array of prompt token ids")
    parser.add_argument("--prompt-tokens", type=int, default=256, help="synthetic prompt length without --ids-file")
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, help="intra-op threads (default: onnxruntime's choice)")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    args = parser.parse_args()
    if args.new_tokens < 2:
        parser.error("--new-tokens must be at least 2 to measure decoding")

    if args.ids_file:
        with open(args.ids_file, encoding="utf-8") as f:
            prompt_ids = [int(i) for i in json.load(f)]
    else:
        prompt_ids = synthetic_prompt(args.prompt_tokens)

    load_start = time.perf_counter()
    model = load_model(args.model, args.threads)
    load_ms = (time.perf_counter() - load_start) * 1000
    generate(model, prompt_ids[:8], 4)  # warm-up

    cpu_before = cpu_seconds()
    tokens, start, prefilled, first, end = generate(model, prompt_ids, args.new_tokens)
    cpu_used = cpu_seconds() - cpu_before
    figures = {
        "engine": f"onnxruntime-genai {og.__version__} (Python)",
        "loadMs": load_ms,
        "promptTokens": len(prompt_ids),
        "newTokens": len(tokens),
        "timeToFirstTokenMs": (first - start) * 1000,
        "prefillTokensPerSecond": len(prompt_ids) / (prefilled - start),
        "decodeTokensPerSecond": (len(tokens) - 1) / (end - first),
        "peakRssMiB": peak_rss_mib(),
        "cpuSeconds": cpu_used,
        "tokenIds": tokens,
    }
    if not args.json:
        print(f"{args.model}: prompt {len(prompt_ids)} tokens, {len(tokens)} new; "
              f"TTFT {figures['timeToFirstTokenMs']:.0f} ms, prefill {figures['prefillTokensPerSecond']:.1f} tok/s, "
              f"decode {figures['decodeTokensPerSecond']:.2f} tok/s, peak RSS {figures['peakRssMiB']:.0f} MiB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
