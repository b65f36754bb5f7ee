using AiPlatform.Core.Data;
using Microsoft.AspNetCore.DataProtection;

namespace AiPlatform.Infrastructure.DataSources;

/// <summary>Secrets encrypted with ASP.NET Data Protection; the keys live in the data folder (see operations guide).</summary>
internal sealed class DataProtectionSecretProtector(IDataProtectionProvider provider) : ISecretProtector
{
    private readonly IDataProtector _protector = provider.CreateProtector("AiPlatform.DataSources.Secrets.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}
