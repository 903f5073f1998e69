"""Writes a tokenizer in Phi-3's format: Llama-2's SentencePiece BPE vocabulary plus Phi-3's added tokens.

Phi-3 reuses Llama-2's 32000-piece SentencePiece BPE (byte fallback, `▁` as the space marker) and adds its own
special tokens at 32000-32010; the embedding is padded to 32064 rows. The real vocabulary and merge list come
from the npm package `llama-tokenizer-js` (MIT), which bakes Llama-2's tokenizer.json vocabulary and merges
into its single JS file as base64 (see its data-conversion.py). Using the real vocabulary means the test
tokenizer segments text exactly as Phi-3's does, so the ids the engine sees are the ids a real model sees.

The file contents mirror microsoft/Phi-3-mini-4k-instruct's tokenizer files (legacy Llama normalizer:
prepend `▁` and replace spaces; no pre-tokenizer; byte-fallback decoder; add_bos_token false; the chat
template with newlines). No `tokenizer.model` is written: there is no SentencePiece protobuf to copy, and both
consumers (onnxruntime-genai and transformers.js) read tokenizer.json.
"""

import base64
import json
import re
import struct
from pathlib import Path

LLAMA_VOCAB_SIZE = 32000
PHI3_VOCAB_SIZE = 32064

# (id, content, rstrip) as in Phi-3-mini-4k-instruct's tokenizer_config.json: every chat marker swallows the
# whitespace after it (rstrip), `<|endoftext|>` does not.
PHI3_ADDED_TOKENS = [
    (32000, "<|endoftext|>", False),
    (32001, "<|assistant|>", True),
    (32002, "<|placeholder1|>", True),
    (32003, "<|placeholder2|>", True),
    (32004, "<|placeholder3|>", True),
    (32005, "<|placeholder4|>", True),
    (32006, "<|system|>", True),
    (32007, "<|end|>", True),
    (32008, "<|placeholder5|>", True),
    (32009, "<|placeholder6|>", True),
    (32010, "<|user|>", True),
]

# (id, content, rstrip, special) for the Llama-2 control pieces, as Phi-3 declares them.
LLAMA_CONTROL_TOKENS = [
    (0, "<unk>", False, True),
    (1, "<s>", False, True),
    (2, "</s>", True, False),
]

PHI3_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}{{'<|system|>\n' + message['content'] + '<|end|>\n'}}"
    "{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}"
    "{% elif message['role'] == 'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}"
    "{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}"
)

TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"]


def read_llama_vocab_and_merges(llama_tokenizer_js: Path):
    """Decodes the vocabulary (id order) and merges (priority order) baked into llama-tokenizer.js."""
    source = llama_tokenizer_js.read_text(encoding="utf-8")
    vocab_b64 = re.search(r'const llama_vocab_base64 = "([^"]*)"', source).group(1)
    merges_b64 = re.search(r'const llama_merges_binary = "([^"]*)"', source).group(1)
    vocab = base64.b64decode(vocab_b64).decode("utf-8").split("\n")
    packed = base64.b64decode(merges_b64)
    pairs = struct.unpack(f"<{len(packed) // 2}H", packed)
    merges = [f"{vocab[pairs[i]]} {vocab[pairs[i + 1]]}" for i in range(0, len(pairs), 2)]
    if len(vocab) != LLAMA_VOCAB_SIZE or vocab[:3] != ["<unk>", "<s>", "</s>"] or vocab[13] != "<0x0A>":
        raise SystemExit(f"{llama_tokenizer_js} does not hold the Llama-2 vocabulary ({len(vocab)} pieces)")
    if vocab[15043] != "▁Hello" or len(merges) != 61249:
        raise SystemExit(f"{llama_tokenizer_js}: unexpected Llama-2 vocabulary or merges ({len(merges)} merges)")
    return vocab, merges


def _added_token_entry(token_id, content, rstrip, special):
    return {
        "id": token_id,
        "content": content,
        "single_word": False,
        "lstrip": False,
        "rstrip": rstrip,
        "normalized": False,
        "special": special,
    }


def _all_added_tokens():
    entries = [_added_token_entry(i, c, r, s) for i, c, r, s in LLAMA_CONTROL_TOKENS]
    entries += [_added_token_entry(i, c, r, True) for i, c, r in PHI3_ADDED_TOKENS]
    return entries


def tokenizer_json(vocab, merges):
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": _all_added_tokens(),
        "normalizer": {
            "type": "Sequence",
            "normalizers": [
                {"type": "Prepend", "prepend": "▁"},
                {"type": "Replace", "pattern": {"String": " "}, "content": "▁"},
            ],
        },
        "pre_tokenizer": None,
        # add_bos_token is false for Phi-3: the post-processor adds nothing, so every reader agrees.
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {},
        },
        "decoder": {
            "type": "Sequence",
            "decoders": [
                {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
                {"type": "ByteFallback"},
                {"type": "Fuse"},
                {"type": "Strip", "content": " ", "start": 1, "stop": 0},
            ],
        },
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": "<unk>",
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": True,
            "byte_fallback": True,
            "ignore_merges": False,
            "vocab": {piece: i for i, piece in enumerate(vocab)},
            "merges": merges,
        },
    }


def tokenizer_config_json(context_length):
    decoder = {}
    for token_id, content, rstrip, special in LLAMA_CONTROL_TOKENS:
        decoder[str(token_id)] = {"content": content, "lstrip": False, "normalized": False, "rstrip": rstrip,
                                  "single_word": False, "special": special}
    for token_id, content, rstrip in PHI3_ADDED_TOKENS:
        decoder[str(token_id)] = {"content": content, "lstrip": False, "normalized": False, "rstrip": rstrip,
                                  "single_word": False, "special": True}
    return {
        "add_bos_token": False,
        "add_eos_token": False,
        "added_tokens_decoder": decoder,
        "bos_token": "<s>",
        "chat_template": PHI3_CHAT_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "eos_token": "<|endoftext|>",
        "legacy": False,
        "model_max_length": context_length,
        "pad_token": "<|endoftext|>",
        "padding_side": "left",
        "sp_model_kwargs": {},
        "tokenizer_class": "LlamaTokenizer",
        "unk_token": "<unk>",
        "use_default_system_prompt": False,
    }


def special_tokens_map_json():
    def token(content, rstrip=False):
        return {"content": content, "lstrip": False, "normalized": False, "rstrip": rstrip, "single_word": False}

    return {
        "bos_token": token("<s>"),
        "eos_token": token("<|endoftext|>"),
        "pad_token": token("<|endoftext|>"),
        "unk_token": token("<unk>"),
    }


def added_tokens_json():
    return {content: token_id for token_id, content, _ in PHI3_ADDED_TOKENS}


def write_json(path: Path, value):
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_phi3_tokenizer(out_dir: Path, llama_tokenizer_js: Path, context_length: int):
    vocab, merges = read_llama_vocab_and_merges(llama_tokenizer_js)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Compact separators: tokenizer.json is the largest committed file after the weights.
    (out_dir / "tokenizer.json").write_text(
        json.dumps(tokenizer_json(vocab, merges), ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    write_json(out_dir / "tokenizer_config.json", tokenizer_config_json(context_length))
    write_json(out_dir / "special_tokens_map.json", special_tokens_map_json())
    write_json(out_dir / "added_tokens.json", added_tokens_json())
