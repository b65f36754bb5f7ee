namespace AiPlatform.Core.Access;

public interface ISignInSettingsProvider
{
    SignInSettings Current { get; }
}
