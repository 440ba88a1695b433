// ConceptScope: Train Interpretable Head on a folder of labelled images, as the macro recorder writes it.
// The folder holds one subfolder per class, named after the model's classes (for the IHC stain model:
// background, hematoxylin, DAB-positive). An InfoDisent head (or head=bi_ice) is trained on the model's
// last spatial feature map; a fifth of each class is held out to compare the head's accuracy with the
// model's. Results in save_dir: head/ (the head as a SavedModel, for Explain with Head), accuracy.csv,
// heldout.csv, units.csv, prototypes.tif and, for bi_ice, convergence.csv and convergence.png.
//
// Arguments (macro-option style, all optional when run from the editor):
//   folder=[/path/class folders] model=[/path/model folder] save_dir=[/path/results] head=infodisent|bi_ice
// Optional overwrite (or overwrite=true): replace an earlier run's files in save_dir; without it a rerun into the
// same save_dir is refused, naming the file.

args = getArgument();
// Bad arguments end the macro with one sentence before any work (status 1 under -batch); getCommands builds the menus
// so that call() finds ConceptScope under -batch. Both in docs/fiji.md, "A macro's refusals".
menus = call("ij.Menus.getCommands");
if (call("org.conceptscope.fiji.ij1.MacroCalls.checkArguments", "train_interpretable_head.ijm", args, "folder model save_dir head overwrite", "folder model save_dir") != "") exit;
folder = call("ij.Macro.getValue", args, "folder", "");
model = call("ij.Macro.getValue", args, "model", "");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true): an earlier run's files in save_dir are replaced (passed on to the command); without it
// a rerun into the same save_dir is refused, naming the file
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";

head = call("ij.Macro.getValue", args, "head", "infodisent");
if (folder == "") folder = getDirectory("Choose the folder with one subfolder of images per class");
if (model == "") model = getDirectory("Choose the model folder (e.g. models/ihc-stain)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the head and its tables");

setBatchMode(true);
run("Train Interpretable Head...", "model=[" + model + "] folder=[" + folder + "] head=" + head + " layer=[] concepts=6 dimension=16 sparsity=0.01 steps=300 batch_size=32 learning_rate=0.01 seed=42 held_out=0.2 prototypes=6 save_dir=[" + saveDir + "]" + overwrite);
// everything is in save_dir; an image left open here becomes, under -batch, an active image no list holds
close("*");
setBatchMode(false);
