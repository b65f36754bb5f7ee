// OpenAI-compatible chat server for the tests (llama.cpp through node-llama-cpp, CPU only).
// usage: node server.mjs MODEL.gguf PORT [API_KEY]
// GET /v1/models (with vLLM's max_model_len), POST /v1/chat/completions (stream or not, usage, max_tokens /
// max_completion_tokens, stop on disconnect, 400 like vLLM when the prompt does not fit), POST /v1/embeddings (string or array input; the model's own embeddings, random like its weights). With API_KEY set, requests need "Authorization: Bearer API_KEY".
// Switches for the failure paths (environment variables):
//   AIP_LLM_TOKEN_DELAY_MS   each generated token reaches the client this many milliseconds after the previous one
//                            (a slow provider, to test stop and timeouts); a client that disconnects stops it.
//   AIP_LLM_FAIL_STATUS      every chat completion is refused with this HTTP status and an OpenAI-shaped error
//                            (429: type "rate_limit_exceeded"), to test how a provider's own refusal is passed on;
//   AIP_LLM_RETRY_AFTER      with it, the refusal's Retry-After header (seconds).
// GET /debug/requests reports the chat completions {started, completed, aborted, open}: "aborted" counts those whose
// client went away before the answer was complete (so a test sees that an upstream request was cancelled).
import http from "node:http";
import { getLlama, LlamaCompletion } from "node-llama-cpp";

const [modelPath, port, apiKey] = process.argv.slice(2);
const modelId = "tiny-llama";
const delay = Number(process.env.AIP_LLM_TOKEN_DELAY_MS ?? "0");
const failStatus = Number(process.env.AIP_LLM_FAIL_STATUS ?? "0");
const retryAfter = process.env.AIP_LLM_RETRY_AFTER;
const requests = { started: 0, completed: 0, aborted: 0, open: 0 };
const llama = await getLlama({ gpu: false, build: "never" });
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({ contextSize: 512, sequences: 4, threads: 1, batchSize: 128 });

let embeddingContext = null;

function send(res, status, body, headers = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

// Resolves after ms, or at once when the signal aborts.
function pause(ms, signal) {
  return new Promise(resolve => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

function error(res, status, message, type) {
  send(res, status, { error: { message, type, code: null, param: null } });
}

function promptOf(messages) {
  return messages.map(m => `<|${m.role}|>\n${typeof m.content === "string" ? m.content : (m.content ?? []).map(p => p.text ?? "").join("")}\n`).join("") + "<|assistant|>\n";
}

const server = http.createServer(async (req, res) => {
  if (apiKey && req.headers.authorization !== `Bearer ${apiKey}`) {
    return error(res, 401, "Incorrect API key provided.", "invalid_request_error");
  }
  if (req.method === "GET" && req.url === "/debug/requests") {
    return send(res, 200, requests);
  }
  if (req.method === "GET" && req.url === "/v1/models") {
    return send(res, 200, { object: "list", data: [{ id: modelId, object: "model", created: 0, owned_by: "aiplatform-tests", max_model_len: context.contextSize }] });
  }
  if (req.method !== "POST" || (req.url !== "/v1/chat/completions" && req.url !== "/v1/embeddings")) {
    return error(res, 404, `No route ${req.method} ${req.url}`, "invalid_request_error");
  }
  let body;
  try {
    let text = "";
    for await (const chunk of req) text += chunk;
    body = JSON.parse(text);
  } catch {
    return error(res, 400, "The body is not JSON.", "invalid_request_error");
  }
  if (body.model !== modelId) {
    return error(res, 404, `The model '${body.model}' does not exist`, "invalid_request_error");
  }
  if (req.url === "/v1/embeddings") {
    const inputs = typeof body.input === "string" ? [body.input] : body.input;
    if (!Array.isArray(inputs) || inputs.length === 0 || inputs.some(i => typeof i !== "string")) {
      return error(res, 400, "'input' must be a string or an array of strings.", "invalid_request_error");
    }
    embeddingContext ??= model.createEmbeddingContext({ contextSize: 512, threads: 1 });
    const ctx = await embeddingContext;
    const data = [];
    let tokens = 0;
    for (const [index, text] of inputs.entries()) {
      tokens += model.tokenize(text).length;
      const embedding = await ctx.getEmbeddingFor(model.tokenize(text).slice(0, 500));
      data.push({ object: "embedding", index, embedding: Array.from(embedding.vector) });
    }
    return send(res, 200, { object: "list", data, model: modelId, usage: { prompt_tokens: tokens, total_tokens: tokens } });
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return error(res, 400, "'messages' must be a non-empty array.", "invalid_request_error");
  }
  if (failStatus > 0) {
    const type = failStatus === 429 ? "rate_limit_exceeded" : "server_error";
    return send(res, failStatus, { error: { message: `Refused with ${failStatus} (AIP_LLM_FAIL_STATUS).`, type, code: null, param: null } }, retryAfter ? { "retry-after": retryAfter } : {});
  }
  const maxTokens = Math.min(Number(body.max_completion_tokens ?? body.max_tokens ?? 32), 128);
  const prompt = promptOf(body.messages);
  const promptTokens = model.tokenize(prompt).length;
  if (promptTokens + maxTokens > context.contextSize) {
    // What vLLM answers when a request does not fit the model's window.
    return error(res, 400, `This model's maximum context length is ${context.contextSize} tokens. However, you requested ${promptTokens + maxTokens} tokens (${promptTokens} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`, "BadRequestError");
  }
  const id = "chatcmpl-" + Math.random().toString(36).slice(2);
  const created = Math.floor(Date.now() / 1000);
  const abort = new AbortController();
  requests.started++;
  requests.open++;
  res.on("close", () => {
    requests.open--;
    if (res.writableFinished) requests.completed++; else requests.aborted++;
    abort.abort();
  });
  let sequence;
  try {
    sequence = context.getSequence();
  } catch {
    return error(res, 429, "All sequences are busy.", "rate_limit_exceeded");
  }
  const completion = new LlamaCompletion({ contextSequence: sequence });
  let completionTokens = 0;
  let content = "";
  const paced = [];
  const chunk = (delta, finish) => `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: modelId, choices: [{ index: 0, delta, finish_reason: finish ?? null }] })}\n\n`;
  if (body.stream) {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(chunk({ role: "assistant", content: "" }));
  }
  try {
    await completion.generateCompletion(prompt, {
      maxTokens,
      signal: abort.signal,
      stopOnAbortSignal: true,
      onTextChunk: text => {
        if (delay > 0) {
          paced.push(text);
          return;
        }
        completionTokens++;
        content += text;
        if (body.stream) res.write(chunk({ content: text }));
      },
    });
    // node-llama-cpp does not wait for its callbacks, so a slow provider is played back: each piece after the delay.
    for (const text of paced) {
      await pause(delay, abort.signal);
      if (abort.signal.aborted) break;
      completionTokens++;
      content += text;
      if (body.stream) res.write(chunk({ content: text }));
    }
  } catch (e) {
    if (!abort.signal.aborted) {
      if (body.stream) { res.end(); } else { error(res, 500, String(e), "server_error"); }
    }
    completion.dispose();
    sequence.dispose();
    return;
  }
  completion.dispose();
  sequence.dispose();
  if (abort.signal.aborted) return;
  const finish = completionTokens >= maxTokens ? "length" : "stop";
  const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
  if (body.stream) {
    res.write(chunk({}, finish));
    if (body.stream_options?.include_usage) {
      res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: modelId, choices: [], usage })}\n\n`);
    }
    res.end("data: [DONE]\n\n");
  } else {
    send(res, 200, { id, object: "chat.completion", created, model: modelId, choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: finish }], usage });
  }
});
server.listen(Number(port), "127.0.0.1", () => console.log(`LLM on http://127.0.0.1:${port}`));
