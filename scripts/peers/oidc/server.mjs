// Keycloak-shaped OpenID provider for tests (oidc-provider, a certified implementation).
// Usage: node server.mjs PORT REDIRECT_URI [REALM]
// Issuer: http://127.0.0.1:PORT/realms/REALM. Its dev login form accepts any user name; the account gets
// Keycloak-style claims: preferred_username, email and realm_access.roles (user names starting with "admin"
// get the "platform-admin" role, others "data-scientist").
// Clients: "aiplatform-web" (authorization code, secret "web-secret") and "aiplatform-cli"
// (client credentials, secret "cli-secret", JWT access tokens for the audience "api://aiplatform").
// AIP_OIDC_TOKEN_TTL_S sets the lifetime of access and ID tokens in seconds (default 600; the tests use a short one
// to see expired tokens refused). Every instance signs with oidc-provider's built-in development key, so a token
// from a second instance (another port or realm) differs from this one's only in its issuer.
import http from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const redirectUri = process.argv[3];
const realm = process.argv[4] ?? 'aiplatform';
const issuer = `http://127.0.0.1:${port}/realms/${realm}`;
const ttl = Number(process.env.AIP_OIDC_TOKEN_TTL_S ?? '600');
const rolesOf = (name) => (name.startsWith('admin') ? ['platform-admin', 'offline_access'] : ['data-scientist', 'offline_access']);

const provider = new Provider(issuer, {
  clients: [
    { client_id: 'aiplatform-web', client_secret: 'web-secret', token_endpoint_auth_method: 'client_secret_post', redirect_uris: [redirectUri], post_logout_redirect_uris: [redirectUri.replace('/signin-oidc', '/')], grant_types: ['authorization_code'], response_types: ['code'] },
    { client_id: 'aiplatform-cli', client_secret: 'cli-secret', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] },
  ],
  claims: { openid: ['sub'], profile: ['preferred_username', 'name', 'realm_access'], email: ['email', 'email_verified'] },
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // The web client gets an opaque token for the userinfo endpoint (as from Keycloak); the CLI client a JWT for the API.
      defaultResource: (ctx, client) => (client.clientId === 'aiplatform-cli' ? 'api://aiplatform' : undefined),
      getResourceServerInfo: () => ({ scope: 'api', audience: 'api://aiplatform', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
      useGrantedResource: () => true,
    },
  },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, preferred_username: id, name: id, email: `${id}@example.test`, email_verified: true, realm_access: { roles: rolesOf(id) } }),
  }),
  extraTokenClaims: async (ctx, token) =>
    token.kind === 'ClientCredentials'
      ? { preferred_username: `service-account-${token.clientId}`, realm_access: { roles: ['platform-admin'] } }
      : { realm_access: { roles: rolesOf(token.accountId ?? '') } },
  pkce: { required: () => false },
  ttl: { AccessToken: ttl, ClientCredentials: ttl, IdToken: ttl },
});
provider.proxy = false;

const prefix = `/realms/${realm}`;
const callback = provider.callback();
http.createServer((req, res) => {
  if (!req.url.startsWith(prefix)) {
    res.statusCode = 404;
    res.end();
    return;
  }
  req.originalUrl = req.url;
  req.url = req.url.slice(prefix.length) || '/';
  callback(req, res);
}).listen(port, '127.0.0.1', () => console.log(`oidc provider ready at ${issuer}`));
