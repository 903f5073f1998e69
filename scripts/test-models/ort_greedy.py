"""Greedy decoding straight on an ONNX decoder graph with onnxruntime (Python), with a growing KV cache.

This is how an engine on onnxruntime-node drives either layout: start with an empty past, feed the prompt,
then one token at a time; a later chat turn is fed in one run on top of the cache. It serves as a second
reference next to onnxruntime-genai (and as the only one for the transformers.js layout).
"""

from pathlib import Path

import numpy as np


class OrtGreedy:
    def __init__(self, onnx_path: Path, num_layers: int, kv_heads: int, head_size: int):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        inputs = {i.name for i in self.session.get_inputs()}
        self.uses_position_ids = "position_ids" in inputs
        self.layers, self.kv_heads, self.head_size = num_layers, kv_heads, head_size
        # Outputs by name: the genai builder orders them all keys, then all values.
        self.output_names = ["logits"] + [f"present.{i}.{kv}" for i in range(num_layers) for kv in ("key", "value")]
        self.reset()

    def reset(self):
        empty = np.zeros((1, self.kv_heads, 0, self.head_size), dtype=np.float32)
        self.past = [empty] * (2 * self.layers)
        self.length = 0

    def append(self, ids):
        """Runs the graph over `ids` after the cached tokens; returns the last position's logits."""
        n = len(ids)
        feeds = {
            "input_ids": np.asarray([ids], dtype=np.int64),
            "attention_mask": np.ones((1, self.length + n), dtype=np.int64),
        }
        if self.uses_position_ids:
            feeds["position_ids"] = np.arange(self.length, self.length + n, dtype=np.int64)[None, :]
        for layer in range(self.layers):
            feeds[f"past_key_values.{layer}.key"] = self.past[2 * layer]
            feeds[f"past_key_values.{layer}.value"] = self.past[2 * layer + 1]
        logits, *present = self.session.run(self.output_names, feeds)
        self.past = present
        self.length += n
        return logits[0, -1, :].astype(np.float32)

    def greedy(self, ids, new_tokens, eos_ids):
        """Feeds `ids`, then generates up to `new_tokens` greedily. The last token generated is not fed back."""
        logits = self.append(ids)
        first = logits.copy()
        out, margins = [], []
        while True:
            top2 = np.sort(logits)[-2:]
            margins.append(float(top2[1] - top2[0]))
            token = int(np.argmax(logits))
            out.append(token)
            if token in eos_ids or len(out) == new_tokens:
                return out, first, margins
            logits = self.append([token])
