package org.conceptscope.fiji.run;

import java.io.IOException;
import java.nio.file.Path;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.model.Classifier;

/** Loading a saved concept bank for a command, with messages that say which key to fix. */
final class ConceptBanks {

	private ConceptBanks() {}

	/** The bank in a file; a file that is not one fails with how to give one. */
	static ConceptBank load(Path file) {
		try {
			return ConceptBank.load(file);
		} catch (IOException e) {
			throw new IllegalArgumentException(e.getMessage() + " Set concepts=[concepts.json written by Concept Discovery].", e);
		}
	}

	/** Fails unless the model has the layer the bank's concepts were found at. */
	static void checkLayer(Classifier classifier, ConceptBank bank, Path bankFile, Path model) {
		if (classifier.layers().stream().noneMatch(l -> l.name().equals(bank.layer))) {
			throw new IllegalArgumentException("The concepts in " + bankFile + " were found at layer '" + bank.layer
				+ "', which model " + model + " does not have: use the model they were discovered with.");
		}
	}
}
