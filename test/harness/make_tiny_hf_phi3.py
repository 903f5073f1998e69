"""A tiny random-weight Phi-3 in Hugging Face format (what `transformers.pipeline(model=<folder>)` loads),
made offline from the fixture's Phi-3 config and tokenizer files. Usage: make_tiny_hf_phi3.py <fixture> <target>.

The weights come from a fixed seed, so the same folder comes out each time; they are random, so the
model's words are nonsense: tests check shapes and the path through MLflow, not what it says.
"""
import os
import shutil
import sys

import torch
from transformers import AutoTokenizer, Phi3Config, Phi3ForCausalLM

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "generation_config.json")


def main(fixture, target):
    os.makedirs(target, exist_ok=True)
    torch.manual_seed(1234)
    config = Phi3Config.from_pretrained(fixture)
    model = Phi3ForCausalLM(config).eval()
    model.save_pretrained(target)
    for name in TOKENIZER_FILES:
        if os.path.exists(os.path.join(fixture, name)):
            shutil.copyfile(os.path.join(fixture, name), os.path.join(target, name))
    # The folder must load as a Phi-3 with its tokenizer, as the pipeline will load it.
    tokenizer = AutoTokenizer.from_pretrained(target)
    assert tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True) == "<|user|>\nhi<|end|>\n<|assistant|>\n"
    assert type(Phi3ForCausalLM.from_pretrained(target)).__name__ == "Phi3ForCausalLM"


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
