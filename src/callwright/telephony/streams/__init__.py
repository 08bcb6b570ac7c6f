"""Calls that carriers deliver as media streams over a WebSocket (Twilio Media Streams,
Telnyx and Plivo audio streaming): one small serializer per carrier (`twilio`, `telnyx`,
`plivo`) turning its JSON frames into the shared events of `events`, and `StreamCall`, the
`Transport` over one such socket."""
