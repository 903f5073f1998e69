"""The benchmark models: random weights at Phi-3-mini's real width (hidden 3072, 32 heads of 96, intermediate
8192, vocabulary 32064) with few layers, built into .bench-models/ (not committed; about 0.7 GB each at 4 layers).

- phi3-mini-width-genai-int4: onnxruntime-genai's builder, int4 for CPU (MatMulNBits, block 32, as the builder
  makes Phi-3-mini's cpu-int4-rtn-block-32 folders).
- phi3-mini-width-transformersjs: the transformers.js layout with onnx/model_q4.onnx only: the fp32 graph is
  exported with torch.onnx.export, then its MatMul weights are quantized to MatMulNBits (4 bits, block 32,
  symmetric) with onnxruntime's MatMulNBitsQuantizer, the way transformers.js' q4 files are made. An fp32
  model.onnx is not kept: at 4 layers it is 2.6 GB and needs external data, which only slows the benchmark.
"""

import shutil
import time
from pathlib import Path

from phi3_tokenizer import TOKENIZER_FILES

GENAI_NAME = "phi3-mini-width-genai-int4"
TRANSFORMERSJS_NAME = "phi3-mini-width-transformersjs"


def build_bench_models(args, width, out_root: Path):
    from build_test_models import run_genai_builder, save_hf_checkpoint

    sizes = dict(width, num_hidden_layers=args.bench_layers)
    hf_dir = args.work_dir / f"hf-bench-{args.bench_layers}l"
    out_root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if hf_dir.exists():
        shutil.rmtree(hf_dir)
    save_hf_checkpoint(sizes, hf_dir, args.llama_tokenizer_js)
    print(f"random weights saved in {hf_dir} ({time.perf_counter() - started:.0f} s)", flush=True)
    run_genai_builder(hf_dir, out_root / GENAI_NAME, "int4", args.work_dir / "builder-cache")
    print(f"{GENAI_NAME} built ({time.perf_counter() - started:.0f} s)", flush=True)
    if not args.bench_skip_transformersjs:
        build_transformersjs_q4(hf_dir, out_root / TRANSFORMERSJS_NAME, args.work_dir)
        print(f"{TRANSFORMERSJS_NAME} built ({time.perf_counter() - started:.0f} s)", flush=True)
    shutil.rmtree(hf_dir)  # 2.6 GB of fp32 safetensors, not needed once both folders exist


def build_transformersjs_q4(hf_dir: Path, out_dir: Path, work_dir: Path):
    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    from transformersjs_export import export_onnx

    fp32_dir = work_dir / "bench-fp32-export"
    if fp32_dir.exists():
        shutil.rmtree(fp32_dir)
    export_onnx(hf_dir, fp32_dir / "model.onnx")  # > 2 GB: the exporter writes external data beside it
    model = onnx.load(str(fp32_dir / "model.onnx"), load_external_data=True)
    quantizer = MatMulNBitsQuantizer(model, bits=4, block_size=32, is_symmetric=True, accuracy_level=4)
    quantizer.process()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    (out_dir / "onnx").mkdir(parents=True)
    quantizer.model.save_model_to_file(str(out_dir / "onnx" / "model_q4.onnx"), use_external_data_format=False)
    shutil.rmtree(fp32_dir)
    for name in TOKENIZER_FILES + ["config.json", "generation_config.json"]:
        shutil.copyfile(hf_dir / name, out_dir / name)
