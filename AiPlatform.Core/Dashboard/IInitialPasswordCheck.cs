namespace AiPlatform.Core.Dashboard;

/// <summary>Whether an account still signs in with the password it was created with (generated or configured).</summary>
public interface IInitialPasswordCheck
{
    Task<bool> StillInitialAsync(Guid userId, CancellationToken ct);
}
