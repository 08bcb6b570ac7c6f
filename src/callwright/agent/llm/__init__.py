"""The optional language model: a local GGUF or an OpenAI-compatible endpoint."""
