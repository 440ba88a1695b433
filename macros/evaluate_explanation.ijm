// ConceptScope: Evaluate Explanation on one stack, as the macro recorder writes it.
// Saliency maps of every slice (for its predicted class) are scored by deletion: pixels are
// removed in order of decreasing saliency, in 10 steps (Xplique's default), and the target probability recorded;
// a faithful map makes it fall fast (lower area under the curve is better).
// Results in save_dir: <title>-saliency-deletion.csv (one row per slice and a last row "mean")
// and <title>-saliency-deletion-curve.png (the mean curve).
//
// Arguments (macro-option style, all optional when run from the editor):
//   image=[/path/stack.tif] model=[/path/model folder] save_dir=[/path/results]
// Optional overwrite (or overwrite=true): replace an earlier run's files in save_dir; without it a rerun into the
// same save_dir is refused, naming the file.

args = getArgument();
// Bad arguments end the macro with one sentence before any work (status 1 under -batch); getCommands builds the menus
// so that call() finds ConceptScope under -batch. Both in docs/fiji.md, "A macro's refusals".
menus = call("ij.Menus.getCommands");
if (call("org.conceptscope.fiji.ij1.MacroCalls.checkArguments", "evaluate_explanation.ijm", args, "image model save_dir overwrite", "image model save_dir") != "") exit;
image = call("ij.Macro.getValue", args, "image", "");
model = call("ij.Macro.getValue", args, "model", "");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true): an earlier run's files in save_dir are replaced (passed on to the command); without it
// a rerun into the same save_dir is refused, naming the file
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";
if (image == "") image = File.openDialog("Choose an image or stack");
if (model == "") model = getDirectory("Choose the model folder (a SavedModel, an unzipped bioimage.io package, or one holding a .pt or .onnx file)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the results");

setBatchMode(true);
if (call("org.conceptscope.fiji.ij1.MacroCalls.openImage", "evaluate_explanation.ijm", "image", image) != "") exit;
run("Evaluate Explanation...", "model=[" + model + "] method=saliency metric=deletion target=predicted steps=10 seed=42 save_dir=[" + saveDir + "]" + overwrite);
close("*");
setBatchMode(false);
