// ConceptScope: Model Info, as the macro recorder writes it.
// Prints the model's signature, normalisation, classes and layers to the Log and, with
// save_dir, writes <model>-info.txt and <model>-layers.csv there.
//
// Arguments (macro-option style, all optional when run from the editor):
//   model=[/path/model folder] save_dir=[/path/results]
// Optional overwrite (or overwrite=true): replace an earlier run's files in save_dir; without it a rerun into the
// same save_dir is refused, naming the file.

args = getArgument();
checkKeys("model_info.ijm", args, "model save_dir overwrite");
model = call("ij.Macro.getValue", args, "model", "");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true): an earlier run's files in save_dir are replaced (passed on to the command); without it
// a rerun into the same save_dir is refused, naming the file
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";
// Given arguments, or under -batch, nobody answers a dialog: a missing one is a sentence, not a wait.
if ((args != "" || is("batch mode")) && (model == "" || saveDir == "")) {
	got = "no argument";
	if (args != "") got = args;
	exit("model_info.ijm needs model=[...] save_dir=[...]; got " + got + ".");
}
if (model == "") model = getDirectory("Choose the model folder (it holds saved_model.pb)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the model report");

run("Model Info...", "model=[" + model + "] save_dir=[" + saveDir + "]" + overwrite);

// A key this macro does not read is refused: a misspelt one would fall back to its default in silence.
function checkKeys(name, args, keys) {
	words = split(replace(args, "\\[[^\\]]*\\]", ""), " ");
	for (i = 0; i < words.length; i++) {
		key = words[i];
		if (indexOf(key, "=") >= 0) key = substring(key, 0, indexOf(key, "="));
		if (key != "" && indexOf(" " + keys + " ", " " + key + " ") < 0) exit(name + " has no option '" + key + "'; its keys are: " + keys + ".");
	}
}
