namespace AiPlatform.Core.Data;

/// <summary>Encrypts secrets at rest (ASP.NET Data Protection in Infrastructure).</summary>
public interface ISecretProtector
{
    string Protect(string secret);

    string Unprotect(string protectedSecret);
}
