// ConceptScope: MeGe and ReCo of three attribution methods on a folder of labelled images, as the
// macro recorder writes it. The folder holds one subfolder of images per class, named after the
// model's classes. Four models of the model's architecture (read from its conceptscope.json) are
// trained with ConceptScope's Java trainer, each on three quarters of the images; every image is
// explained by every model. MeGe (0.5..1, higher: explanations generalise across models) compares
// the maps of models that are both right; ReCo (0..1, higher: explanation distance tells a right
// model from a wrong one) separates those pairs from pairs where exactly one model is right.
// "random" is the baseline a faithful method should beat.
// Results in save_dir: <folder name>-mege_reco.csv (method, mege, reco, same_pairs,
// different_pairs, undefined_pairs, fold_1_accuracy .. fold_4_accuracy).
//
// Arguments (macro-option style, all optional when run from the editor):
//   folder=[/path/labelled images] model=[/path/model folder] save_dir=[/path/results]
//   training_steps=300 (Adam steps per model; fewer is faster and noisier)
// Optional overwrite (or overwrite=true): replace an earlier run's files in save_dir; without it a rerun into the
// same save_dir is refused, naming the file.

args = getArgument();
// Bad arguments end the macro with one sentence before any work (status 1 under -batch); getCommands builds the menus
// so that call() finds ConceptScope under -batch. Both in docs/fiji.md, "A macro's refusals".
menus = call("ij.Menus.getCommands");
if (call("org.conceptscope.fiji.ij1.MacroCalls.checkArguments", "evaluate_mege_reco.ijm", args, "folder model save_dir training_steps overwrite", "folder model save_dir") != "") exit;
folder = call("ij.Macro.getValue", args, "folder", "");
model = call("ij.Macro.getValue", args, "model", "");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true): an earlier run's files in save_dir are replaced (passed on to the command); without it
// a rerun into the same save_dir is refused, naming the file
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";

steps = call("ij.Macro.getValue", args, "training_steps", "300");
if (folder == "") folder = getDirectory("Choose the folder of class subfolders");
if (model == "") model = getDirectory("Choose the model folder (a SavedModel, an unzipped bioimage.io package, or one holding a .pt or .onnx file)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the results");

run("Evaluate Explanation...", "model=[" + model + "] metric=mege_reco folder=[" + folder + "] methods=[saliency,integrated_gradients,random] folds=4 training_steps=" + steps + " seed=42 save_dir=[" + saveDir + "]" + overwrite);
