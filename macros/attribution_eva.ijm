// ConceptScope: EVA (verified perturbation analysis) for every slice of one stack, as the macro
// recorder writes it. For each slice, bound propagation through the model's graph gives a verified
// lower bound of the predicted class's margin (its logit minus the largest other logit) over every
// image within epsilon (L-infinity, in the model's normalised input units) of the slice; a grid
// cell is important when fixing its pixels raises that guaranteed worst case most. The map is a
// guarantee, not an estimate: no sampling, no seed.
// Results in save_dir: <title>-eva.tif (the image + the map as last channel), <title>-eva-RoiSet.zip,
// <title>-eva-results.csv with, per slice, the margin and its verified lower and upper bounds
// for TensorFlow's float32 computation (they include the rounding_slack column), and verified = 1
// when the lower bound is > 0: no perturbation within epsilon can change the decision.
//
// Arguments (macro-option style, all optional when run from the editor):
//   image=[/path/stack.tif] model=[/path/model folder] save_dir=[/path/results]
//   bounds=crown (tighter linear bounds, default) or bounds=interval (faster)
// Optional overwrite (or overwrite=true): replace an earlier run's files in save_dir; without it a rerun into the
// same save_dir is refused, naming the file.

args = getArgument();
// Bad arguments end the macro with one sentence before any work (status 1 under -batch); getCommands builds the menus
// so that call() finds ConceptScope under -batch. Both in docs/fiji.md, "A macro's refusals".
menus = call("ij.Menus.getCommands");
if (call("org.conceptscope.fiji.ij1.MacroCalls.checkArguments", "attribution_eva.ijm", args, "image model save_dir bounds overwrite", "image model save_dir") != "") exit;
image = call("ij.Macro.getValue", args, "image", "");
model = call("ij.Macro.getValue", args, "model", "");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true): an earlier run's files in save_dir are replaced (passed on to the command); without it
// a rerun into the same save_dir is refused, naming the file
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";

bounds = call("ij.Macro.getValue", args, "bounds", "crown");
if (image == "") image = File.openDialog("Choose an image or stack");
if (model == "") model = getDirectory("Choose the model folder (it holds saved_model.pb)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the results");

setBatchMode(true);
if (call("org.conceptscope.fiji.ij1.MacroCalls.openImage", "attribution_eva.ijm", "image", image) != "") exit;
run("Attribution...", "model=[" + model + "] method=eva target=predicted epsilon=0.01 grid=8 bounds=" + bounds + " output=channel top_fraction=0.1 save_dir=[" + saveDir + "]" + overwrite);
close("*");
setBatchMode(false);
