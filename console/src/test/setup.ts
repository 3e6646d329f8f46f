/**
 * Runs before every test file. In jsdom files, a canvas has no 2D context: jsdom reports
 * that on the console as "not implemented" unless the `canvas` npm package is installed.
 * The console's canvas drawings (the mini map) already skip drawing without a context, so
 * answering `null` quietly is what a browser without canvas support would do.
 */
if (typeof HTMLCanvasElement !== "undefined") {
  HTMLCanvasElement.prototype.getContext = (() => null) as typeof HTMLCanvasElement.prototype.getContext;
}
