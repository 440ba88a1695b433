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
checkKeys("nearest_examples.ijm", args, "image model folder layer neighbours prototypes save_dir overwrite");
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
// Given arguments, or under -batch, nobody answers a dialog: a missing one is a sentence, not a wait.
if ((args != "" || is("batch mode")) && (image == "" || model == "" || folder == "" || saveDir == "")) {
	got = "no argument";
	if (args != "") got = args;
	exit("nearest_examples.ijm needs image=[...] model=[...] folder=[...] save_dir=[...]; got " + got + ".");
}
if (image == "") image = File.openDialog("Choose the images to find examples for");
if (model == "") model = getDirectory("Choose the model folder (it holds saved_model.pb)");
if (folder == "") folder = getDirectory("Choose the training examples (images, or one subfolder per class)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the results");

setBatchMode(true);
openImage("nearest_examples.ijm", "image", image);
run("Nearest Examples...", "model=[" + model + "] folder=[" + folder + "] layer=[" + layer + "] neighbours=" + neighbours + " prototypes=" + prototypes + " save_dir=[" + saveDir + "]" + overwrite);
close("*");
setBatchMode(false);

// A key this macro does not read is refused: a misspelt one would fall back to its default in silence.
function checkKeys(name, args, keys) {
	words = split(replace(args, "\\[[^\\]]*\\]", ""), " ");
	for (i = 0; i < words.length; i++) {
		key = words[i];
		if (indexOf(key, "=") >= 0) key = substring(key, 0, indexOf(key, "="));
		if (key != "" && indexOf(" " + keys + " ", " " + key + " ") < 0) exit(name + " has no option '" + key + "'; its keys are: " + keys + ".");
	}
}

// The image this macro opens itself, or one sentence before any work: under -batch open() of a missing file only logs
// "File not found", of a file ImageJ cannot read opens nothing, and the command then said "No image is open".
function openImage(name, key, path) {
	if (!File.exists(path)) exit(name + ": " + key + "=[" + path + "] does not exist: give the path of an image file.");
	// opened: the active image is a new one. nImages alone can miss it (it also counts an active image no list holds,
	// which an earlier macro's setBatchMode(false) may leave under -batch), and ImageJ shows some files it cannot read
	// as a text window, which is no image
	before = 0;
	if (nImages > 0) before = getImageID();
	call("ij.IJ.redirectErrorMessages"); // a file ImageJ cannot read is logged, not a dialog
	open(path);
	opened = false;
	if (nImages > 0) {
		if (getImageID() != before) opened = true;
	}
	if (!opened) exit(name + ": ImageJ could not open " + key + "=[" + path + "] as an image: give a TIFF, PNG, JPEG or DICOM file.");
}
