// PostgreSQL + pgvector for the tests: PGlite (Postgres compiled to WebAssembly, in memory) with the vector
// extension, served over the normal wire protocol. usage: node server.mjs PORT
// Debian's PostgreSQL 15 has no pgvector package; this is the real extension inside a real Postgres.
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

const [port] = process.argv.slice(2);
const db = await PGlite.create({ extensions: { vector } });
const server = new PGLiteSocketServer({ db, port: Number(port), host: "127.0.0.1" });
await server.start();
console.log(`pgvector on 127.0.0.1:${port}`);
process.on("SIGTERM", async () => { await server.stop(); await db.close(); process.exit(0); });
