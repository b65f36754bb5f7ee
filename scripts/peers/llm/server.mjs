// OpenAI-compatible chat server for the tests (llama.cpp through node-llama-cpp, CPU only).
// usage: node server.mjs MODEL.gguf PORT [API_KEY]
// GET /v1/models (with vLLM's max_model_len), POST /v1/chat/completions (stream or not, usage, max_tokens /
// max_completion_tokens, stop on disconnect, 400 like vLLM when the prompt does not fit; n choices, seed and
// temperature; a tool call forced by tool_choice with its arguments generated under the tool's JSON schema, streamed as
// tool_calls deltas; response_format json_schema / json_object under a JSON grammar; "tool" messages need their
// tool_call_id), POST /v1/embeddings (string, array, token ids; float or base64; dimensions; the model's own embeddings,
// random like its weights). With API_KEY set, requests need "Authorization: Bearer API_KEY".
// Switches for the failure paths (environment variables):
//   AIP_LLM_TOKEN_DELAY_MS   each generated token reaches the client this many milliseconds after the previous one
//                            (a slow provider, to test stop and timeouts); a client that disconnects stops it.
//   AIP_LLM_FAIL_STATUS      every chat completion is refused with this HTTP status and an OpenAI-shaped error
//                            (429: type "rate_limit_exceeded"), to test how a provider's own refusal is passed on;
//   AIP_LLM_RETRY_AFTER      with it, the refusal's Retry-After header (seconds).
// GET /debug/requests reports the chat completions {started, completed, aborted, open}: "aborted" counts those whose
// client went away before the answer was complete (so a test sees that an upstream request was cancelled).
// GET /debug/last-chat and /debug/last-embedding return the last request body as received (so a test sees which fields
// reached the provider).
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
let lastChat = null;
let lastEmbedding = null;

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
  const text = m => (typeof m.content === "string" ? m.content : (m.content ?? []).map(p => p.text ?? "").join(""))
    + (m.tool_calls ? JSON.stringify(m.tool_calls.map(c => c.function)) : "");
  return messages.map(m => `<|${m.role}|>\n${text(m)}\n`).join("") + "<|assistant|>\n";
}

const server = http.createServer(async (req, res) => {
  if (apiKey && req.headers.authorization !== `Bearer ${apiKey}`) {
    return error(res, 401, "Incorrect API key provided.", "invalid_request_error");
  }
  if (req.method === "GET" && req.url === "/debug/requests") {
    return send(res, 200, requests);
  }
  if (req.method === "GET" && req.url === "/debug/last-chat") {
    return send(res, 200, lastChat);
  }
  if (req.method === "GET" && req.url === "/debug/last-embedding") {
    return send(res, 200, lastEmbedding);
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
    return embed(res, body);
  }
  lastChat = body;
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return error(res, 400, "'messages' must be a non-empty array.", "invalid_request_error");
  }
  const orphan = body.messages.find(m => m.role === "tool" && typeof m.tool_call_id !== "string");
  if (orphan) {
    return error(res, 400, "A 'tool' message needs the 'tool_call_id' of the call it answers.", "invalid_request_error");
  }
  if (failStatus > 0) {
    const type = failStatus === 429 ? "rate_limit_exceeded" : "server_error";
    return send(res, failStatus, { error: { message: `Refused with ${failStatus} (AIP_LLM_FAIL_STATUS).`, type, code: null, param: null } }, retryAfter ? { "retry-after": retryAfter } : {});
  }
  let plan;
  try {
    plan = await planOf(body);
  } catch (e) {
    return error(res, 400, String(e.message ?? e), "invalid_request_error");
  }
  const n = Math.max(1, Math.min(Number(body.n ?? 1), 4));
  const maxTokens = Math.min(Number(body.max_completion_tokens ?? body.max_tokens ?? (plan.grammar ? 128 : 32)), 128);
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
  const chunk = (index, delta, finish) => `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: modelId, system_fingerprint: "tiny-llama", choices: [{ index, delta, logprobs: null, finish_reason: finish ?? null }] })}\n\n`;
  if (body.stream) {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  }
  let completionTokens = 0;
  const choices = [];
  try {
    for (let index = 0; index < n && !abort.signal.aborted; index++) {
      const call = plan.tool ? { id: "call_" + Math.random().toString(36).slice(2, 12), name: plan.tool } : null;
      let content = "";
      let tokens = 0;
      const paced = [];
      // A streamed piece: content, or the arguments of the forced tool call (its first delta names it, as OpenAI does).
      const emit = text => {
        tokens++;
        content += text;
        if (!body.stream) return;
        res.write(chunk(index, call ? { tool_calls: [{ index: 0, function: { arguments: text } }] } : { content: text }));
      };
      if (body.stream) {
        res.write(chunk(index, call ? { role: "assistant", content: null, tool_calls: [{ index: 0, id: call.id, type: "function", function: { name: call.name, arguments: "" } }] } : { role: "assistant", content: "" }));
      }
      await completion.generateCompletion(prompt, {
        maxTokens,
        signal: abort.signal,
        stopOnAbortSignal: true,
        grammar: plan.grammar,
        temperature: Number(body.temperature ?? 0),
        seed: body.seed === undefined ? undefined : Number(body.seed) + index,
        onTextChunk: text => {
          if (delay > 0) paced.push(text); else emit(text);
        },
      });
      // node-llama-cpp does not wait for its callbacks, so a slow provider is played back: each piece after the delay.
      for (const text of paced) {
        await pause(delay, abort.signal);
        if (abort.signal.aborted) break;
        emit(text);
      }
      completionTokens += tokens;
      const finish = call ? "tool_calls" : tokens >= maxTokens ? "length" : "stop";
      choices.push({
        index,
        message: call
          ? { role: "assistant", content: null, tool_calls: [{ id: call.id, type: "function", function: { name: call.name, arguments: content } }] }
          : { role: "assistant", content },
        logprobs: null,
        finish_reason: finish,
      });
      if (body.stream && !abort.signal.aborted) res.write(chunk(index, {}, finish));
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
  const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
  if (body.stream) {
    if (body.stream_options?.include_usage) {
      res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: modelId, choices: [], usage })}\n\n`);
    }
    res.end("data: [DONE]\n\n");
  } else {
    send(res, 200, { id, object: "chat.completion", created, model: modelId, system_fingerprint: "tiny-llama", choices, usage });
  }
});

// How to answer: a tool call forced by tool_choice ("required" or a named function) has its arguments generated under
// the tool's parameter schema; response_format json_schema / json_object constrain the text with a JSON grammar; else
// free text ("auto" and "none" answer in text: a random-weight model cannot choose).
async function planOf(body) {
  const tools = Array.isArray(body.tools) ? body.tools.filter(t => t?.type === "function" && t.function?.name) : [];
  const choice = body.tool_choice;
  const forced = choice === "required" ? tools[0] : choice?.type === "function" ? tools.find(t => t.function.name === choice.function?.name) : undefined;
  if ((choice === "required" || choice?.type === "function") && !forced) {
    throw new Error("'tool_choice' names no tool of 'tools'.");
  }
  if (forced) {
    return { tool: forced.function.name, grammar: await schemaGrammar(forced.function.parameters ?? { type: "object", properties: {} }) };
  }
  const format = body.response_format;
  if (format?.type === "json_schema") {
    if (!format.json_schema?.schema) throw new Error("'response_format.json_schema.schema' is required.");
    return { grammar: await schemaGrammar(format.json_schema.schema) };
  }
  if (format?.type === "json_object") {
    return { grammar: await llama.getGrammarFor("json") };
  }
  return {};
}

async function schemaGrammar(schema) {
  try {
    return await llama.createGrammarForJsonSchema(schema);
  } catch {
    return await llama.getGrammarFor("json");
  }
}

// /v1/embeddings: a string, an array of strings, an array of token ids or an array of such arrays; encoding_format
// float or base64 (little-endian float32, as OpenAI sends it); dimensions keeps the first ones.
async function embed(res, body) {
  const input = body.input;
  const inputs = typeof input === "string" ? [input]
    : Array.isArray(input) && input.length > 0 && input.every(i => typeof i === "number") ? [input]
    : input;
  if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every(i => typeof i === "string" || (Array.isArray(i) && i.length > 0 && i.every(t => Number.isInteger(t))))) {
    return error(res, 400, "'input' must be a string, an array of strings, an array of token ids or an array of token id arrays.", "invalid_request_error");
  }
  if (body.encoding_format !== undefined && body.encoding_format !== "float" && body.encoding_format !== "base64") {
    return error(res, 400, "'encoding_format' is float or base64.", "invalid_request_error");
  }
  embeddingContext ??= model.createEmbeddingContext({ contextSize: 512, threads: 1 });
  const ctx = await embeddingContext;
  const data = [];
  let tokens = 0;
  for (const [index, item] of inputs.entries()) {
    const ids = typeof item === "string" ? model.tokenize(item) : item;
    tokens += ids.length;
    const embedding = await ctx.getEmbeddingFor(ids.slice(0, 500));
    let vector = Array.from(embedding.vector);
    if (body.dimensions !== undefined) vector = vector.slice(0, Math.max(1, Number(body.dimensions)));
    data.push({ object: "embedding", index, embedding: body.encoding_format === "base64" ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector });
  }
  lastEmbedding = body;
  return send(res, 200, { object: "list", data, model: modelId, usage: { prompt_tokens: tokens, total_tokens: tokens } });
}

server.listen(Number(port), "127.0.0.1", () => console.log(`LLM on http://127.0.0.1:${port}`));
