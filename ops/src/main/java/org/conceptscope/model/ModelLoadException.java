package org.conceptscope.model;

/** A model could not be loaded; the message says what is wrong and how to fix it. */
public class ModelLoadException extends RuntimeException {

	public ModelLoadException(String message) {
		super(message);
	}

	public ModelLoadException(String message, Throwable cause) {
		super(message, cause);
	}
}
