"""Local fine-tuning (full or LoRA) with the loss on assistant tokens only."""
