// ConceptScope: Feature Visualization (MACO) of one class, as the macro recorder writes it.
// The image keeps the mean magnitude spectrum of the open stack (your own images: their texture) and
// only its Fourier phase is optimised, on random crops, to raise the class's logit; recipe=simple also
// keeps the spectrum exactly and the stack's mean, the default recipe puts the values through a sigmoid
// into the stack's range instead.
// Results in save_dir: <model>-<class>-maco.tif (visualization channels + transparency channel),
// -scores.csv (target logit per step) and -scores.png.
//
// With head=[<save_dir>/head of Train Interpretable Head], target may also be a part or concept of that
// head (target=[part 5], target=[concept 2]), visualised through the model and the head.
//
// recipe=reference (default) runs MACO as its paper and Xplique do: a canvas larger than the model input,
// 32 random crops per step, noise, Nadam; recipe=simple runs the first, lighter variant (an input-sized image,
// one crop per step, Adam at learning rate 0.05).
//
// Arguments (macro-option style, all optional when run from the editor):
//   image=[/path/stack.tif] model=[/path/model folder] target=[class] save_dir=[/path/results], optional head=[...]
//   and recipe=[reference or simple]
// Optional overwrite (or overwrite=true): replace an earlier run's files in save_dir; without it a rerun into the
// same save_dir is refused, naming the file.

args = getArgument();
checkKeys("feature_visualization.ijm", args, "image model target save_dir head recipe overwrite");
image = call("ij.Macro.getValue", args, "image", "");
model = call("ij.Macro.getValue", args, "model", "");
target = call("ij.Macro.getValue", args, "target", "DAB-positive");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true): an earlier run's files in save_dir are replaced (passed on to the command); without it
// a rerun into the same save_dir is refused, naming the file
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";

head = call("ij.Macro.getValue", args, "head", "");
recipe = call("ij.Macro.getValue", args, "recipe", "reference");
settings = " recipe=" + recipe + " steps=120 seed=42";
if (recipe == "simple") settings = settings + " learning_rate=0.05 crop=0.8";
if (head != "") head = " head=[" + head + "]";
// Given arguments, or under -batch, nobody answers a dialog: a missing one is a sentence, not a wait.
if ((args != "" || is("batch mode")) && (image == "" || model == "" || saveDir == "")) {
	got = "no argument";
	if (args != "") got = args;
	exit("feature_visualization.ijm needs image=[...] model=[...] save_dir=[...]; got " + got + ".");
}
if (image == "") image = File.openDialog("Choose images whose spectrum to keep (e.g. ihc-heldout-patches.tif)");
if (model == "") model = getDirectory("Choose the model folder (e.g. models/ihc-stain)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the visualization");

setBatchMode(true);
openImage("feature_visualization.ijm", "image", image);
run("Feature Visualization...", "model=[" + model + "]" + head + " target=[" + target + "]" + settings + " save_dir=[" + saveDir + "]" + overwrite);
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
