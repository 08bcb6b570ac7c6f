"""Calls from a web browser over WebRTC (aiortc): `WebRtcCall`, the `Transport` over one
peer connection; `inbound` turns the browser's decoded audio into our frames, `outbound` is
the track that paces the agent's frames out."""
