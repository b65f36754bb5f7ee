using AiPlatform.Core.Knowledge;
using AiPlatform.Infrastructure.Knowledge;

namespace AiPlatform.Infrastructure.Tests.Knowledge;

/// <summary>The text extractor against a Word "zip bomb": a small file whose document part expands past the limit is refused while it is read.</summary>
public sealed class DocumentLimitsTests
{
    [Fact]
    public async Task A_small_docx_whose_text_expands_past_the_part_limit_is_refused_as_unreadable()
    {
        var bomb = KnowledgeDocuments.Docx(("Bomb", new string('a', (int)DocumentTextExtractor.MaxCharactersInPart + 1_000)));
        bomb.Length.ShouldBeLessThan(1_000_000, "it compresses to little");

        var refused = await Should.ThrowAsync<DocumentUnreadableException>(() => new DocumentTextExtractor().ExtractAsync(new MemoryStream(bomb), "bomb.docx", CancellationToken.None));
        refused.Message.ShouldContain("Word");

        // Under the limit it still reads.
        var fine = await new DocumentTextExtractor().ExtractAsync(new MemoryStream(KnowledgeDocuments.Docx(("报销", "发票须在三十天内提交。"))), "fine.docx", CancellationToken.None);
        fine.ShouldHaveSingleItem().Text.ShouldContain("发票须在三十天内提交。");
    }
}
