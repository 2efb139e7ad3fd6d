"""Access photos uploaded by the edges: assembly from chunks, storage, GDPR retention."""
