// ConceptScope: Explain with Head on one stack, as the macro recorder writes it.
// A head saved by Train Interpretable Head explains every slice: the 3 parts (InfoDisent) or concepts
// (Bi-ICE) that contribute most to the head's predicted class, each as an extra channel, an ROI
// (part k; class; slice=z) and a table row, plus a row for the class bias (contributions plus bias make the
// head's logit; bias=false leaves it out). Results in save_dir: <title>-<head>.tif, -RoiSet.zip, -results.csv.
//
// Arguments (macro-option style, all optional when run from the editor):
//   image=[/path/stack.tif] model=[/path/model folder] head=[/path/results/head] save_dir=[/path/results]
// Optional overwrite (or overwrite=true): replace an earlier run's files in save_dir; without it a rerun into the
// same save_dir is refused, naming the file.

args = getArgument();
// Bad arguments end the macro with one sentence before any work (status 1 under -batch); getCommands builds the menus
// so that call() finds ConceptScope under -batch. Both in docs/fiji.md, "A macro's refusals".
menus = call("ij.Menus.getCommands");
if (call("org.conceptscope.fiji.ij1.MacroCalls.checkArguments", "explain_with_head.ijm", args, "image model head save_dir overwrite", "image model head save_dir") != "") exit;
image = call("ij.Macro.getValue", args, "image", "");
model = call("ij.Macro.getValue", args, "model", "");
head = call("ij.Macro.getValue", args, "head", "");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true): an earlier run's files in save_dir are replaced (passed on to the command); without it
// a rerun into the same save_dir is refused, naming the file
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";
if (image == "") image = File.openDialog("Choose a stack of images (e.g. ihc-heldout-patches.tif)");
if (model == "") model = getDirectory("Choose the model folder the head was trained on");
if (head == "") head = getDirectory("Choose the head folder (<save_dir>/head of Train Interpretable Head)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the results");

setBatchMode(true);
if (call("org.conceptscope.fiji.ij1.MacroCalls.openImage", "explain_with_head.ijm", "image", image) != "") exit;
run("Explain with Head...", "model=[" + model + "] head=[" + head + "] target=predicted top=3 top_fraction=0.1 save_dir=[" + saveDir + "]" + overwrite);
close("*");
setBatchMode(false);
