import { AppError } from '../errors'

/** Refused until an invited user has replaced the one-time password (403). */
export class PasswordChangeRequiredError extends AppError {
  constructor() {
    super(
      'PASSWORD_CHANGE_REQUIRED',
      'Choose a new password first (Change password, below your email in the menu).',
      403,
    )
  }
}
