"""Plan maps: model and file format (`model`), editor commands, icons, scene, palette, point page,
and the view that puts them together."""
