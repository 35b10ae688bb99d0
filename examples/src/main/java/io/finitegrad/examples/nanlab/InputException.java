package io.finitegrad.examples.nanlab;

/**
 * A problem with what the user gave nanlab (a flag's value, a file's content), reported as one
 * line and exit code {@link NanLab#INPUT_ERROR}; the message names the culprit.
 */
public class InputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong and with which flag or file */
    public InputException(String message) {
        super(message);
    }

    /** @param message what is wrong and with which flag or file; @param cause the underlying error */
    public InputException(String message, Throwable cause) {
        super(message, cause);
    }
}
