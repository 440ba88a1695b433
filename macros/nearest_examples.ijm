// ConceptScope: Nearest Examples, as the macro recorder writes it: for every slice of a stack, the
// training examples nearest to it in a layer of the model (the model's own distances), and the
// prototypes of the training examples (MMD-critic), per class when the folder has one subfolder
// per class.
// Results in save_dir: <title>-nearest.tif (montage: each slice, then its nearest examples with their
// distances), <title>-nearest.csv (case, rank, example, distance), prototypes.tif and
// prototypes.csv (class, rank, example, objective).
//
// Arguments (macro-option style, all optional when run from the editor):
//   image=[/path/stack.tif] model=[/path/model folder] folder=[/path/training images]
//   layer=[name] neighbours=5 prototypes=3 save_dir=[/path/results]
// Optional overwrite (or overwrite=true): replace an earlier run's files in save_dir; without it a rerun into the
// same save_dir is refused, naming the file.

args = getArgument();
// Bad arguments end the macro with one sentence before any work (status 1 under -batch); getCommands builds the menus
// so that call() finds ConceptScope under -batch. Both in docs/fiji.md, "A macro's refusals".
menus = call("ij.Menus.getCommands");
if (call("org.conceptscope.fiji.ij1.MacroCalls.checkArguments", "nearest_examples.ijm", args, "image model folder layer neighbours prototypes save_dir overwrite", "image model folder save_dir") != "") exit;
image = call("ij.Macro.getValue", args, "image", "");
model = call("ij.Macro.getValue", args, "model", "");
folder = call("ij.Macro.getValue", args, "folder", "");
layer = call("ij.Macro.getValue", args, "layer", "");
neighbours = call("ij.Macro.getValue", args, "neighbours", "5");
prototypes = call("ij.Macro.getValue", args, "prototypes", "3");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true): an earlier run's files in save_dir are replaced (passed on to the command); without it
// a rerun into the same save_dir is refused, naming the file
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";
if (image == "") image = File.openDialog("Choose the images to find examples for");
if (model == "") model = getDirectory("Choose the model folder (a SavedModel, an unzipped bioimage.io package, or one holding a .pt or .onnx file)");
if (folder == "") folder = getDirectory("Choose the training examples (images, or one subfolder per class)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the results");

setBatchMode(true);
if (call("org.conceptscope.fiji.ij1.MacroCalls.openImage", "nearest_examples.ijm", "image", image) != "") exit;
run("Nearest Examples...", "model=[" + model + "] folder=[" + folder + "] layer=[" + layer + "] neighbours=" + neighbours + " prototypes=" + prototypes + " save_dir=[" + saveDir + "]" + overwrite);
close("*");
setBatchMode(false);
