#!/usr/bin/python3
"""Writes a tiny llama model with random weights (GGUF, f32) using the tokenizer of llama.cpp's test vocabulary.

usage: make-model.py LLAMA_CPP_SOURCE OUT.gguf
The text it generates is gibberish by design: the tests exercise the plumbing (streaming, usage, stop, errors).
"""
import sys

import numpy as np

source, out = sys.argv[1], sys.argv[2]
sys.path.insert(0, f"{source}/gguf-py")
import gguf  # noqa: E402

vocab = gguf.GGUFReader(f"{source}/models/ggml-vocab-llama-spm.gguf")


def strings(name):
    f = vocab.fields[name]
    return [bytes(f.parts[i]).decode("utf-8", errors="replace") for i in f.data]


def numbers(name):
    f = vocab.fields[name]
    return [f.parts[i][0].item() for i in f.data]


def scalar(name):
    f = vocab.fields[name]
    return int(f.parts[f.data[0]][0])


tokens = strings("tokenizer.ggml.tokens")
n_vocab, n_embd, n_layer, n_head, n_ff, n_ctx = len(tokens), 64, 2, 4, 128, 512
rng = np.random.default_rng(7)

w = gguf.GGUFWriter(out, "llama")
w.add_name("aiplatform-test-tiny-llama")
w.add_context_length(n_ctx)
w.add_embedding_length(n_embd)
w.add_block_count(n_layer)
w.add_feed_forward_length(n_ff)
w.add_head_count(n_head)
w.add_head_count_kv(n_head)
w.add_rope_dimension_count(n_embd // n_head)
w.add_layer_norm_rms_eps(1e-5)
w.add_file_type(gguf.LlamaFileType.ALL_F32)
w.add_tokenizer_model("llama")
w.add_token_list(tokens)
w.add_token_scores(numbers("tokenizer.ggml.scores"))
w.add_token_types(numbers("tokenizer.ggml.token_type"))
w.add_bos_token_id(scalar("tokenizer.ggml.bos_token_id"))
w.add_eos_token_id(scalar("tokenizer.ggml.eos_token_id"))
w.add_chat_template(
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}")


def tensor(name, *shape, scale=0.02):
    w.add_tensor(name, (rng.standard_normal(shape) * scale).astype(np.float32))


tensor("token_embd.weight", n_vocab, n_embd)
w.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
tensor("output.weight", n_vocab, n_embd)
for i in range(n_layer):
    w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(n_embd, dtype=np.float32))
    for part in ("attn_q", "attn_k", "attn_v", "attn_output"):
        tensor(f"blk.{i}.{part}.weight", n_embd, n_embd)
    w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
    tensor(f"blk.{i}.ffn_gate.weight", n_ff, n_embd)
    tensor(f"blk.{i}.ffn_up.weight", n_ff, n_embd)
    tensor(f"blk.{i}.ffn_down.weight", n_embd, n_ff)

w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
print(out)
