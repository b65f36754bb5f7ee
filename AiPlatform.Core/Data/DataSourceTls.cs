namespace AiPlatform.Core.Data;

/// <summary>
/// How the connection to a source is secured; new sources verify the server's certificate and name unless plaintext is
/// chosen. PostgreSQL takes every value (as its SslMode); Kafka takes all but <see cref="Prefer"/> (TLS is SSL, or
/// SASL_SSL with a user; <see cref="Disable"/> is PLAINTEXT or SASL_PLAINTEXT); S3 takes <see cref="VerifyFull"/>
/// (https), <see cref="Require"/> (https without certificate checks) and <see cref="Disable"/> (http).
/// </summary>
public enum DataSourceTls
{
    /// <summary>TLS; the certificate chain and the host name are checked.</summary>
    VerifyFull,

    /// <summary>TLS; the certificate chain is checked, not the host name.</summary>
    VerifyCA,

    /// <summary>TLS without certificate checks (encrypted, but a man in the middle is not detected).</summary>
    Require,

    /// <summary>PostgreSQL only: TLS when the server offers it, else plaintext.</summary>
    Prefer,

    /// <summary>Plaintext: the password crosses the network readable.</summary>
    Disable,
}
