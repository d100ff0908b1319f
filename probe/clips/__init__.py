"""Audio fragments around presses (organic feedback, SPEC §8): the recordings folder
(`recordings`), cutting one fragment (`cutter`), a pass over the due presses (`runner`) and the
service component (`service`). See docs/clips.md."""
