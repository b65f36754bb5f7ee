using AiPlatform.Infrastructure.Persistence.AccessStamps;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AiPlatform.Infrastructure.Persistence.Configurations;

internal sealed class AccessStampConfiguration : IEntityTypeConfiguration<AccessStamp>
{
    public void Configure(EntityTypeBuilder<AccessStamp> builder)
    {
        builder.ToTable("AccessStamps");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.HasData(new AccessStamp { Id = AccessStamp.RowId, Stamp = AccessStamp.Initial });
    }
}
