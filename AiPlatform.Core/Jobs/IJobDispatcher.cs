namespace AiPlatform.Core.Jobs;

/// <summary>Hands a job id to the executor (Hangfire). Dispatching the same id twice is harmless.</summary>
public interface IJobDispatcher
{
    void Dispatch(Guid jobId);
}
